/** Kept in step with package.json's version (checked by a unit test). */
export const TOOL_VERSION = '0.1.0';
