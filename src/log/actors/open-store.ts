import { FileRecordStore, SharedRecordStore, type RecordStore } from '../../storage/index.js';
import type { StoreConfig } from './role-configs.js';

export function openStore(config: StoreConfig): RecordStore {
  return config.kind === 'shared' ? new SharedRecordStore(config.memory) : new FileRecordStore(config.path, config.fsync);
}
