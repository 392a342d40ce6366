// synod/paxos: the Multi-Paxos protocol core. Pure, synchronous state machines: no I/O, no
// clocks, no randomness of their own. Callers feed messages and ticks (with `nowMs`) and drain
// a Ready: persist, then send, then deliver.

export * from './ids.js';
export * from './invariant.js';
export * from './ballot.js';
export * from './value.js';
export * from './messages.js';
export * from './quorum.js';
export * from './ready.js';
export * from './storage.js';
export * from './acceptor.js';
export * from './election.js';
export * from './proposer.js';
export * from './session-table.js';
export * from './learner.js';
export * from './defaults.js';
