export * from './transport.js';
export * from './acceptor-driver.js';
export * from './learner-driver.js';
export * from './proposer-driver.js';
