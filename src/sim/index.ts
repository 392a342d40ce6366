// synod/sim: a deterministic, seeded simulator for the Multi-Paxos core in synod/paxos.

export * from './rng.js';
export * from './event-queue.js';
export * from './network.js';
export * from './trace.js';
export * from './invariants.js';
export * from './client.js';
export * from './broken.js';
export * from './cluster.js';
export * from './faults.js';
export * from './scheduler.js';
export * from './scenarios.js';
export * from './seed-pool.js';
export * from './script.js';
