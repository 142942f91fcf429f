import type { RegimeReport } from './regimeReport';
import type { RegimeSource } from './renderRegime';

/** A regime analysis together with the rows it used: what the worker returns and the panel renders. */
export interface RegimeResult { regime: RegimeReport; source: RegimeSource }
