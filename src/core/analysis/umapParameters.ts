/**
 * The parameters of the projection's optional non-linear view (umapLayout.ts), apart from the
 * layout code so that the CLI's help and the panel can state them without loading umap-js.
 */
export interface UmapParameters {
  seed: number;
  /** n_neighbors. */
  neighbours: number;
  minDist: number;
  epochs: number;
  /** Rows laid out at most (a seeded subset of the projection's sample beyond). */
  maxRows: number;
}

/**
 * umap-js is single-threaded JavaScript: measured on a busy 2-core machine, 5,000 rows of 256
 * dimensions take ≈ 16 s and 20,000 rows ≈ 5 min, hence at most 5,000 rows by default.
 */
export const DEFAULT_UMAP_PARAMETERS: UmapParameters = { seed: 0, neighbours: 15, minDist: 0.1, epochs: 200, maxRows: 5000 };
/** Principal components UMAP runs on at most. */
export const UMAP_INPUT_COMPONENTS = 50;
/** The caution every surface shows with the layout. */
export const UMAP_CAUTION = 'A visual aid: distances and axes are not metric';
