/**
 * Where a configuration sits in the prism of learning regimes (spec §2.2 [REC], §5a [PROP]):
 * continuous distances ε to the five faces, the nearest face and its two O(1) parameters,
 * the anisotropy ε, the three prism coordinates, and a plain-words label.
 */

export type FaceId = 'LD' | 'SD' | 'MF' | 'NL' | 'F';
export const FACE_IDS: readonly FaceId[] = ['LD', 'SD', 'MF', 'NL', 'F'];

export const FACE_NAMES: Record<FaceId, string> = {
  LD: 'large-data', SD: 'small-data', MF: 'mean-field', NL: 'narrow-latent', F: 'free',
};

/**
 * Faces with a limiting loss curve for finite data in the spec (§3). The free face has none [ABS];
 * with n ≫ p it has the precursor's infinite-data shrinkage law (§3.5 [PRE]), see faceFormulaApplies.
 */
export const FACE_HAS_FORMULA: Record<FaceId, boolean> = { LD: true, SD: true, MF: true, NL: true, F: false };

/**
 * Whether a face's formula can be used at these distances: always for faces 1–4; for the free face
 * only near the large-data end (ε_LD = √(p/n) below INTERIOR_EPSILON, i.e. near the LD∩F edge A–B,
 * where the precursor's n = ∞ law applies [PROP]).
 */
export function faceFormulaApplies(face: FaceId, distances: Readonly<Record<FaceId, number>>): boolean {
  return FACE_HAS_FORMULA[face] || (face === 'F' && distances.LD < INTERIOR_EPSILON);
}

/** All ε at or above this: prism interior, no face formula applies (spec §5a "all ε ≳ 0.7"). */
export const INTERIOR_EPSILON = 0.7;

export interface FaceParameter {
  name: string;
  value: number;
}

export interface PlacementInput {
  /** Input dimension p. */
  inputDim: number;
  /** Latent width H. */
  latentWidth: number;
  /** Training rows n. */
  trainRows: number;
  /** Init variance σ². */
  sigma2: number;
  /** tr Σ̂ and tr Σ̂² of the train covariance (for ε_aniso); omit for the isotropic value 0. */
  traceS?: number;
  traceS2?: number;
}

export interface PrismPlacement {
  /** y = H/p, z = pσ², c = Hσ², γ = p/n (spec §1.1). */
  y: number;
  z: number;
  c: number;
  gamma: number;
  /** ε per face: LD √(p/n), SD max(√(n/p), √(n/H)), MF √(p/H), NL √(H/p), F 1/(σ² max(p,H)). */
  distances: Record<FaceId, number>;
  /** Finite-size ε = 1/√p. */
  finiteSize: number;
  /** ε_aniso = √max(0, p·tr(Σ̂²)/(tr Σ̂)² − 1 − p/n), null if the traces were not given. */
  anisotropy: number | null;
  /** Prism coordinates: latent log(H/p) (−∞ NL, +∞ MF), data log(p/n) (−∞ LD, +∞ SD), init log(σ² max(p,H)) (+∞ free). */
  coordinates: { latent: number; data: number; init: number };
  /** Faces sorted by ε, nearest first. */
  ranking: FaceId[];
  nearest: FaceId;
  /** Two O(1) parameters of each face: LD (y,z), SD (y,z), MF (c,γ), NL (z,γ), F (y,γ). */
  parameters: Record<FaceId, [FaceParameter, FaceParameter]>;
  /** Every ε ≥ INTERIOR_EPSILON. */
  interior: boolean;
  /** The second-nearest face when its ε is also below INTERIOR_EPSILON (near the shared edge). */
  nearEdge: FaceId | null;
  /** A face formula applies: not interior, and the nearest face has one (the free face only with n ≫ p). */
  closedFormApplies: boolean;
  label: string;
  provenance: string;
}

/** Anisotropy ε (spec §5a [PROP]): the population spectrum's coefficient of variation after removing MP spread. */
export function anisotropyEpsilon(inputDim: number, trainRows: number, traceS: number, traceS2: number): number {
  if (!(traceS > 0)) return 0;
  return Math.sqrt(Math.max(0, (inputDim * traceS2) / (traceS * traceS) - 1 - inputDim / trainRows));
}

/** A number in a label: 3 significant digits, no trailing zeros. */
export function formatParameter(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(3)));
}

export function placeInPrism(input: PlacementInput): PrismPlacement {
  const { inputDim: p, latentWidth: H, trainRows: n, sigma2 } = input;
  const y = H / p, z = p * sigma2, c = H * sigma2, gamma = p / n;
  const distances: Record<FaceId, number> = {
    LD: Math.sqrt(p / n),
    SD: Math.max(Math.sqrt(n / p), Math.sqrt(n / H)),
    MF: Math.sqrt(p / H),
    NL: Math.sqrt(H / p),
    F: 1 / (sigma2 * Math.max(p, H)),
  };
  const ranking = [...FACE_IDS].sort((a, b) => distances[a] - distances[b] || FACE_IDS.indexOf(a) - FACE_IDS.indexOf(b));
  const nearest = ranking[0];
  const interior = distances[nearest] >= INTERIOR_EPSILON;
  const nearEdge = !interior && distances[ranking[1]] < INTERIOR_EPSILON ? ranking[1] : null;
  const param = (name: string, value: number): FaceParameter => ({ name, value });
  const parameters: Record<FaceId, [FaceParameter, FaceParameter]> = {
    LD: [param('y', y), param('z', z)],
    SD: [param('y', y), param('z', z)],
    MF: [param('c', c), param('gamma', gamma)],
    NL: [param('z', z), param('gamma', gamma)],
    F: [param('y', y), param('gamma', gamma)],
  };
  const anisotropy = input.traceS !== undefined && input.traceS2 !== undefined
    ? anisotropyEpsilon(p, n, input.traceS, input.traceS2) : null;
  const closedFormApplies = !interior && faceFormulaApplies(nearest, distances);
  const params = (f: FaceId) => parameters[f].map(q => `${q.name} = ${formatParameter(q.value)}`).join(', ');
  let label: string;
  if (interior) {
    label = `prism interior (every distance >= ${INTERIOR_EPSILON}; nearest: ${FACE_NAMES[nearest]}, epsilon = ${formatParameter(distances[nearest])}): no closed form applies, simulation only`;
  } else {
    label = `${FACE_NAMES[nearest]} (${params(nearest)})`;
    if (nearEdge) label += `; near the ${FACE_NAMES[nearEdge]} edge`;
    if (nearest === 'F') {
      label += closedFormApplies
        ? '; n >> p: the precursor\'s infinite-data shrinkage law applies while the init dominates'
        : '; the free face has no closed form with finite data: simulation only';
    }
  }
  return {
    y, z, c, gamma, distances, finiteSize: 1 / Math.sqrt(p), anisotropy,
    coordinates: { latent: Math.log(H / p), data: Math.log(p / n), init: Math.log(sigma2 * Math.max(p, H)) },
    ranking, nearest, parameters, interior, nearEdge, closedFormApplies, label,
    provenance: 'spec §5a [PROP] distances, thresholds and label; face geometry §2.2 [REC]',
  };
}
