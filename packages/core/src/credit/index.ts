export * from './payloads.js';
export * from './federation.js';
export { BilateralPositions } from './bilateral.js';
export { type FederationInput, materializeFederation, unbalancedParty } from './materialize-federation.js';
export { awaitingAcceptance, excludedFromClearing, federationObligations, findPaymentPath, hopCapacity, planFederationClearing, setOffsOf } from './plan.js';
export { type CreditPosting, MUTUAL_CREDIT_ASSETS, MUTUAL_CREDIT_LIABILITIES, creditImportKey, creditPostingsFor } from './book-postings.js';
