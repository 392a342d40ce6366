export * from './record-store.js';
export * from './frame.js';
export * from './file-record-store.js';
export * from './shared-record-store.js';
export * from './shared-store-control.js';
export * from './acceptor-storage.js';
export * from './learner-log.js';
export * from './storage-error.js';
