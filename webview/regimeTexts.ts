/**
 * Plain texts of the regime section (tooltips of the placement table and the time convention),
 * kept apart from the lit templates so they can be checked without a page. Provenance tags as in
 * the spec: [PRE] precursor arXiv 2602.04548, [DER] derived here, [PROP] proposed here.
 */
import type { FaceId } from '../src/core/regime/prismPlacement';

export const FACE_DISTANCE_INFO: Record<FaceId, string> = {
  LD: '\u03b5_LD = \u221a(p/n): the large-data face is reached when the train rows n far outnumber the input dimension p (\u03a3\u0302 \u2192 \u03a3). Parameters y = H/p, z = p\u03c3\u00b2.',
  SD: '\u03b5_SD = max(\u221a(n/p), \u221a(n/H)): the small-data face is reached when n is much smaller than both p and H. Parameters y = H/p, z = p\u03c3\u00b2. Its clock: with T = 1 (t = k\u00b7\u03b7, as everywhere here) it runs on \u03c4 = (p/n)\u00b7t; in the precursor\u2019s convention (T = inverse learning rate) that is T \u224d p/n.',
  MF: '\u03b5_MF = \u221a(p/H): the mean-field face is reached when the latent width H far exceeds p. Parameters c = H\u03c3\u00b2, \u03b3 = p/n.',
  NL: '\u03b5_NL = \u221a(H/p): the narrow-latent face is reached when H is much smaller than p. Parameters z = p\u03c3\u00b2, \u03b3 = p/n.',
  F: '\u03b5_F = 1/(\u03c3\u00b2 max(p,H)): the free face is reached when the init dwarfs the identity target (p\u03c3\u00b2 \u226b 1). Parameters y = H/p, \u03b3 = p/n. With n \u226b p the precursor\u2019s infinite-data shrinkage law a\u2080/(1 + 4a\u2080t) applies while the init dominates (validity horizon; [PRE], arXiv 2602.04548); with finite data it has no closed form: simulation only.',
};

export const PARAMETER_INFO: Record<string, { symbol: string; info: string }> = {
  y: { symbol: 'y', info: 'y = H/p: latent width over input dimension' },
  z: { symbol: 'z', info: 'z = p\u03c3\u00b2: init variance times the input dimension' },
  c: { symbol: 'c', info: 'c = H\u03c3\u00b2: init variance times the latent width' },
  gamma: { symbol: '\u03b3', info: '\u03b3 = p/n: input dimension over train rows' },
};

