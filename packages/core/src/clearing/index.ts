export type { ClearingPlan, Obligation, ObligationSetOff, ObligationSource, PartyPosition } from './obligation.js';
export { clearedFraction, planClearing } from './plan-clearing.js';
export { type MinCostFlow, type MinCostFlowNetwork, solveMinCostFlow } from './network-simplex.js';
export { type ObligationsCsvOptions, readObligationsCsv } from './obligations-csv.js';
export { renderClearingPlan } from './render-clearing.js';
