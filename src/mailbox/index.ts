export * from './layout.js';
export * from './errors.js';
export * from './ring.js';
export * from './doorbell.js';
export * from './codec.js';
export * from './wait-strategy.js';
export * from './inbox.js';
export * from './outbox.js';
