export * from './duration.js';
export * from './rules.js';
export * from './payloads.js';
export * from './records.js';
export { type GrantEvent, type TimebankEvent } from './ledger.js';
export { type JudgeTimebankInput, eventKey, extendTimebank, judgeTimebank } from './judge-timebank.js';
export { grantsOf } from './grants.js';
export { materializeTimebank } from './materialize-timebank.js';
export * from './reports.js';
