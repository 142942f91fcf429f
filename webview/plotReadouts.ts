/**
 * The words of every plot's read-out: the short text in the box next to the point under
 * the cursor (mouse or keyboard), and the sentence a screen reader hears for the same point
 * from the plot's live region. Pure (no DOM, no lit), so the unit tests check them under Node.
 */
import type { RegimeReport } from '../src/core/regime/regimeReport';
import { FACE_IDS, FACE_NAMES, type FaceId } from '../src/core/regime/prismPlacement';
import { formatCount, formatNumber, formatPercent, formatShare, plural } from './format';
import type { HistogramBar } from './plotGeometry';
import { powerLawValue, type PlotPoint, type PowerLawLine } from './plotScale';
import { FACE_CONDITION, HIDDEN_FACES } from './regimeGeometry';

/** `item 3 of 20` as the start of an announcement. */
const ordinal = (what: string, position: number, count: number) => `${what} ${formatCount(position + 1)} of ${formatCount(count)}`;

// ---------------------------------------------------------------- eigenvalue spectrum

/** The fit's value at k when k lies in its window, else null. */
function fitAt(fit: PowerLawLine | null | undefined, k: number): number | null {
  return fit && k >= fit.kMin && k <= fit.kMax ? powerLawValue(fit, k) : null;
}

/** `λ12 = 0.031 (fit 0.0298)`. */
export function spectrumReadout(p: PlotPoint, fit?: PowerLawLine | null): string {
  const f = fitAt(fit, p.index);
  return `\u03bb${formatCount(p.index)} = ${formatNumber(p.value)}${f !== null ? ` (fit ${formatNumber(f, 3)})` : ''}`;
}

/**
 * `Eigenvalue 12 of 768: 0.031, 41.0% cumulative`: the index among all eigenvalues (also the
 * numerically zero ones the plot leaves out), the value and the top-k share of the variance.
 */
export function spectrumAnnouncement(p: PlotPoint, total: number, cumulativeFraction: number | undefined, fit?: PowerLawLine | null): string {
  const f = fitAt(fit, p.index);
  return `Eigenvalue ${formatCount(p.index)} of ${formatCount(total)}: ${formatNumber(p.value)}`
    + (cumulativeFraction !== undefined ? `, ${formatPercent(cumulativeFraction)} cumulative` : '')
    + (f !== null ? `; power-law fit ${formatNumber(f, 3)}` : '');
}

// ---------------------------------------------------------------- cumulative explained variance

/** `top 12: 41.0%`. */
export function cumulativeReadout(p: PlotPoint): string {
  return `top ${formatCount(p.index)}: ${formatPercent(p.value)}`;
}

/** `Top 12 of 768 directions: 41.0% of the variance`. */
export function cumulativeAnnouncement(p: PlotPoint, total: number): string {
  return `Top ${formatCount(p.index)} of ${formatCount(total)} directions: ${formatPercent(p.value)} of the variance`;
}

// ---------------------------------------------------------------- row-norm histogram

/** `[9.21, 9.79)` — the last bin is closed. */
export function binRange(lo: number, hi: number, last: boolean): string {
  return lo === hi ? formatNumber(lo) : `[${formatNumber(lo)}, ${formatNumber(hi)}${last ? ']' : ')'}`;
}

/** `[9.21, 9.79): 120 rows (6.00%)`. */
export function histogramReadout(b: HistogramBar, bins: number, rows: number): string {
  return `${binRange(b.lo, b.hi, b.index === bins - 1)}: ${plural(b.count, 'row')} (${formatShare(b.count, rows)})`;
}

/** `Bin 3 of 20, row norm [9.21, 9.79): 120 rows (6.00%)`. */
export function histogramAnnouncement(b: HistogramBar, bins: number, rows: number): string {
  return `${ordinal('Bin', b.index, bins)}, row norm ${histogramReadout(b, bins, rows)}`;
}

// ---------------------------------------------------------------- two spectra (compare view)

/** `λ12: L 0.031 · R 0.0290`; a dash where a side has no plotted eigenvalue at k. */
export function compareSpectrumReadout(k: number, left: number | undefined, right: number | undefined): string {
  const v = (x: number | undefined) => (x === undefined ? '\u2014' : formatNumber(x, 3));
  return `\u03bb${formatCount(k)}: L ${v(left)} \u00b7 R ${v(right)}`;
}

/** `Eigenvalue 12 of 768: left (a.npy) 0.031, right (b.npy) 0.029`. */
export function compareSpectrumAnnouncement(k: number, xMax: number, left: number | undefined, right: number | undefined,
  labels: { left: string; right: string }): string {
  const v = (x: number | undefined) => (x === undefined ? 'not plotted' : formatNumber(x));
  return `Eigenvalue ${formatCount(k)} of ${formatCount(xMax)}: left (${labels.left}) ${v(left)}, right (${labels.right}) ${v(right)}`;
}

// ---------------------------------------------------------------- loss curves, R(D)

/** `Time step 5 of 200: t = 0.5; Predicted (large-data): train 1.2, population 1.3; …` from the read-out's lines. */
export function lossAnnouncement(lines: readonly string[], position: number, count: number): string {
  return `${ordinal('Time step', position, count)}: ${lines.join('; ')}`;
}

/** `D = 0.5: R(D) ≤ 3.2 bits`. */
export function rdReadout(p: { d: number; r: number }): string {
  return `D = ${formatNumber(p.d, 3)}: R(D) \u2264 ${formatNumber(p.r, 4)} bits`;
}

/** `Point 3 of 48: distortion D = 0.5, R(D) at most 3.2 bits per model use`. */
export function rdAnnouncement(p: { d: number; r: number }, position: number, count: number): string {
  return `${ordinal('Point', position, count)}: distortion D = ${formatNumber(p.d, 3)}, R(D) at most ${formatNumber(p.r, 4)} bits per model use`;
}

// ---------------------------------------------------------------- the prism of regimes

type Placement = RegimeReport['placement'];

/** What a face of the prism stands for here: its distance, its role and its parameters (the face's tooltip). */
export function prismFaceText(p: Placement, f: FaceId): string {
  const role = f === p.nearest ? (p.interior ? 'nearest face, but every distance is large (prism interior)' : 'nearest face')
    : f === p.nearEdge ? 'second face: the configuration is near the shared edge' : '';
  const params = p.parameters[f].map(q => `${q.name} = ${formatNumber(q.value, 3)}`).join(', ');
  return `${FACE_NAMES[f]} face (${f}, ${FACE_CONDITION[f]}${HIDDEN_FACES.has(f) ? ', hidden at the back' : ''}): `
    + `distance \u03b5 = ${formatNumber(p.distances[f].value, 3)}${role ? ` \u2014 ${role}` : ''}; parameters ${params}.`;
}

/** One stop of the prism's keyboard cursor: the configuration's point, then each face. */
export interface PrismItem { id: 'config' | FaceId; text: string }

/** The prism's cursor stops in order, each with the text its tooltip shows. `where` places the point in words. */
export function prismItems(p: Placement, where: string): PrismItem[] {
  return [{ id: 'config', text: `This configuration. ${where}` }, ...FACE_IDS.map(f => ({ id: f, text: prismFaceText(p, f) }))];
}
