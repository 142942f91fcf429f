/** Command identifiers, as contributed in package.json. */
export const ANALYZE_FILE_COMMAND = 'embeddingDiagnostics.analyzeFile';
export const OPEN_REPORT_COMMAND = 'embeddingDiagnostics.openReport';
export const CLEAR_CACHE_COMMAND = 'embeddingDiagnostics.clearCache';
