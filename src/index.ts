// synod: the public entry point: the replicated log and the sequencer, with the runtime they
// stand on. The building blocks also have subpaths of their own: synod/mailbox, synod/actors,
// synod/paxos, synod/storage and synod/sim.
export * from './log/index.js';
export * from './actors/index.js';
export * from './mailbox/index.js';
