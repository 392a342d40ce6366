export * from './types.js';
export * from './actor-ids.js';
export * from './errors.js';
export * from './control.js';
export * from './endpoint.js';
export * from './system.js';
export * from './supervisor.js';
export * from './timers.js';
