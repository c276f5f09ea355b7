export * from './file-storage-adapter.js';
export * from './node-crypto.js';
export * from './device-key-file.js';
export * from './data-folder.js';
export * from './documents.js';
export * from './coop-store.js';
export * from './book-index.js';
export * from './parallel-prepare.js';
