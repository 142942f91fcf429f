/** Regime analysis of a weight-tied linear autoencoder on an embedding dump (spec: shared/spec/prism-regimes.md). */
export * from './autoencoderConfig';
export * from './faceCurves';
export * from './facePredictions';
export * from './gradientDescent';
export * from './longTimeLimits';
export * from './marchenkoPastur';
export * from './mulberry32';
export * from './prismPlacement';
export * from './regimeReport';
export * from './stability';
export * from './symmetricEigen';
