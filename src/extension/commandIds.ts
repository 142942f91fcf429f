/** Command identifiers, as contributed in package.json. */
export const ANALYZE_FILE_COMMAND = 'embeddingDiagnostics.analyzeFile';
export const ANALYZE_FOLDER_COMMAND = 'embeddingDiagnostics.analyzeFolder';
export const ANALYZE_WORKSPACE_COMMAND = 'embeddingDiagnostics.analyzeWorkspace';
export const PREDICT_REGIME_COMMAND = 'embeddingDiagnostics.predictRegime';
export const RATE_CAPACITY_COMMAND = 'embeddingDiagnostics.analyzeRateCapacity';
export const COMPARE_DUMPS_COMMAND = 'embeddingDiagnostics.compareDumps';
export const COMPARE_WITH_COMMAND = 'embeddingDiagnostics.compareWith';
export const COPY_MARKDOWN_COMMAND = 'embeddingDiagnostics.copyReportMarkdown';
export const EXPORT_REPORT_COMMAND = 'embeddingDiagnostics.exportReport';
export const OPEN_REPORT_COMMAND = 'embeddingDiagnostics.openReport';
export const REANALYZE_COMMAND = 'embeddingDiagnostics.reanalyze';
export const SUPPRESS_FINDING_COMMAND = 'embeddingDiagnostics.suppressFinding';
export const CLEAR_CACHE_COMMAND = 'embeddingDiagnostics.clearCache';
export const SHOW_ACTIVITY_COMMAND = 'embeddingDiagnostics.showActivity';
export const SET_RAW_LAYOUT_COMMAND = 'embeddingDiagnostics.setRawLayout';
