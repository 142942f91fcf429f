/**
 * The code the extension host needs only on first use, not at activation: the format readers (a
 * manifest's dump, sniffing a .json or .txt file's content, which files of a folder or glob are
 * a dataset's shards, which companions a container holds) and the manifest check. The build
 * makes it a bundle of its own (dist/onDemand.js), which `import('./onDemand')` loads the first
 * time it runs, so that activation parses only what activation needs (issue #17). Import it only
 * that way: a static import would put it back into dist/extension.js.
 */
export { SUPPORTED_EXTENSIONS } from '../core/formats/openDump';
export { expandDatasetPaths } from '../core/dataset/datasetPaths';
export { informationByDefault } from '../core/information/informationDefault';
export { checkManifest } from '../core/information/informationInputs';
export { looksLikeEmbeddingResponse, RESPONSE_SNIFF_BYTES } from '../core/formats/jsonResponse';
export { sniffWordVectors, WORD_VECTOR_SNIFF_BYTES } from '../core/formats/wordVectors';
export { hasFaissMagic } from '../core/formats/faissLayout';
export { isZarrDirectory, storeStamp } from '../core/formats/zarrStore';
export { parseRawDType } from '../core/formats/dtype';
export { RAW_EXTENSIONS } from '../core/formats/raw';
