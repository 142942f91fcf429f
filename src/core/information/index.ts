/**
 * The information-theoretic analysis (rate, capacity, rate–distortion; after arXiv 2601.11334):
 * the API the CLI, hover, panel and diagnostics build on. See informationReport.ts.
 */
export { analyzeInformation, analyzeInformationFile } from './analyzeInformation';
export {
  computeInformation, describeFigure, listFigures, summarizeInformation,
  DEFAULT_INFORMATION_OPTIONS,
  type InformationData, type InformationHooks, type InformationOptions, type InformationReport, type ScalarInputs,
} from './informationReport';
export { informationByDefault, type InformationByDefault } from './informationDefault';
export { inputSourceLines, companionSourcesShort, arraySourceText, ROLE_SYMBOL, type InputsDescription } from './inputSources';
export { VERDICT_CAVEAT } from './verdict';
export {
  checkManifest, containerCompanions, describeInputs, nodeInformationHost, resolveInformationInputs, CONTAINER_KEYS,
  type ArrayDescription, type InformationFlags, type InformationHost, type InformationProblem, type InputSource,
  type ResolvedArray, type ResolvedInformationInputs, type ResolvedScalar,
} from './informationInputs';
export {
  ARRAY_ROLES, SCALAR_KEYS, MANIFEST_SUFFIX, MANIFEST_VERSION, isManifestPath, manifestCandidates, parseManifest,
  type ArrayRole, type Manifest, type ManifestArrayRef, type ManifestProblem, type ScalarKey,
} from './manifest';
export { valueIn, unitLabel, UNITS_NOTE, PER_SYMBOL_READING, type Figure, type FigureKind, type InformationFlag, type InformationUnit, type Provenance } from './figure';
export type { Verdict, VerdictStatus } from './verdict';
export type { RateDistortionSection, RdPoint, OperatingPoint } from './rateDistortion';
export type { PerturbedCapacity } from './capacity';
export type { CollapseSection } from './collapse';
export type { SourceEntropyBounds } from './sourceEntropyBounds';
export type { GaussianEntropyFigures } from './gaussianEntropy';
export type { CollisionLevel, NominalRateFigures, TargetInjectivityLevel } from './representationRate';
