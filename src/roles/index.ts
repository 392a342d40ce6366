export * from './transport.js';
export * from './role-node.js';
export * from './acceptor-node.js';
export * from './learner-node.js';
export * from './proposer-node.js';
