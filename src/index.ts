// synod: the public entry point. The replicated log and sequencer land here (issue 4);
// the building blocks are exported from their own subpaths: synod/mailbox, synod/actors,
// synod/paxos and synod/sim.
export * from './mailbox/index.js';
export * from './actors/index.js';
