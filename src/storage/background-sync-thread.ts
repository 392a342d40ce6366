// The helper thread of a BackgroundSync (background-sync.ts): fdatasync on request, nothing else.
import { fdatasyncSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { runSyncLoop, type BackgroundSyncData } from './background-sync.js';

runSyncLoop(workerData as BackgroundSyncData, fdatasyncSync);
