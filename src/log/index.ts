export * from './errors.js';
export * from './options.js';
export * from './limits.js';
export * from './client.js';
export * from './replicated-log.js';
export * from './sequencer.js';
export * from './dir-lock.js';
export { LayoutMismatchError, describeLayout, type DirLayout } from './dir-layout.js';
export type { ClusterLayout } from './actors/layout.js';
