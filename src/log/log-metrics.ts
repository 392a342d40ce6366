// Counters a metrics library can export (prom-client, OpenTelemetry): `log.metrics()` is one flat
// object with stable names. `...Total` names are counters (they only grow, from 0 when this log
// object was opened or connected, on this thread); the others are gauges. Units are in the names
// (Bytes, Ms). Each append costs an increment or two; nothing is measured per call of metrics()
// beyond reading shared memory.
import { AbortError, AppendTimeoutError, LogClosedError, StorageError, StorageFullError } from '../protocol/errors.js';

/** What this thread's client counts, as appends settle. */
export class AppendCounters {
  appendsAcknowledged = 0;
  appendBytesAcknowledged = 0;
  appendsFailedTimeout = 0;
  appendsFailedStorageFull = 0;
  appendsFailedStorageError = 0;
  appendsFailedAborted = 0;
  appendsFailedClosed = 0;
  appendsFailedOther = 0;
  /** Refused before they were sent: not a Uint8Array, larger than entryBytesMax, a bad signal. */
  appendsRefused = 0;
  /** Sends of an append after its first (AppendCoreSink.resent): a few at a leader change; many means appends were taken for lost. */
  appendsResent = 0;
  reservationsAcknowledged = 0;
  indexesReserved = 0;

  acknowledged(bytes: number, count: number, reservation: boolean): void {
    if (reservation) {
      this.reservationsAcknowledged++;
      this.indexesReserved += count;
      return;
    }
    this.appendsAcknowledged++;
    this.appendBytesAcknowledged += bytes;
  }

  failed(error: unknown): void {
    if (error instanceof AppendTimeoutError) this.appendsFailedTimeout++;
    else if (error instanceof StorageFullError) this.appendsFailedStorageFull++;
    else if (error instanceof StorageError) this.appendsFailedStorageError++;
    else if (error instanceof AbortError) this.appendsFailedAborted++;
    else if (error instanceof LogClosedError) this.appendsFailedClosed++;
    else this.appendsFailedOther++;
  }
}

/**
 * `log.metrics()`. Every thread has the append counters (its own appends) and the shared gauges;
 * where the log was opened, the actor and quorum fields too (absent through a handle: the
 * runtime's events are heard only there).
 */
export interface LogMetrics {
  appendsAcknowledgedTotal: number;
  appendBytesAcknowledgedTotal: number;
  appendsFailedTimeoutTotal: number;
  appendsFailedStorageFullTotal: number;
  appendsFailedStorageErrorTotal: number;
  appendsFailedAbortedTotal: number;
  appendsFailedClosedTotal: number;
  appendsFailedOtherTotal: number;
  appendsRefusedTotal: number;
  appendsResentTotal: number;
  reservationsAcknowledgedTotal: number;
  indexesReservedTotal: number;
  leaderChangesTotal: number;
  storageFailuresTotal: number;
  /** Gauge: appends sent and not settled, plus those waiting for a free session. */
  appendsInflight: number;
  /** Gauge: the most entries any learner has delivered (= bounds().nextIndex). */
  deliveredIndex: number;
  /** Gauge: where the log starts after trims (= bounds().firstIndex). */
  firstIndex: number;
  /** Gauge: the leader's actor id, -1 if none is known. */
  leaderId: number;
  /** Gauge: 1 while roles report a storage failure, else 0. */
  storageFailing: number;
  actorExitsTotal?: number;
  actorRestartsTotal?: number;
  actorGaveUpsTotal?: number;
  quorumLossesTotal?: number;
  /** Gauge: actors whose thread runs. */
  actorsAlive?: number;
  /** Gauge: acceptors alive. */
  acceptorsAlive?: number;
  /** Gauge: 1 while a majority of acceptors is alive, else 0. */
  quorumOk?: number;
}
