// The proposer's defaults, in one place: the core run on its own (synod/paxos, the simulator's
// scenarios) and the log (src/log/options.ts, whose options default to these) behave alike. They
// disagreed before (an election timeout of 250 ms here and 100 ms in the log, heartbeats 50 and
// 20, 64 commands per slot and 256), so the core's tests exercised timings the log never ran.

export const PROPOSER_DEFAULTS = Object.freeze({
  /** Standbys wait [t, 2t) without a heartbeat before campaigning. */
  electionTimeoutMs: 100,
  /** A leader's heartbeat period: below electionTimeoutMs, or standbys campaign against a live leader. */
  heartbeatIntervalMs: 20,
  /** A failed campaign waits a random backoff that doubles from this, up to backoffMaxMs. */
  backoffBaseMs: 50,
  backoffMaxMs: 2000,
  /** Unanswered Prepare and Accept messages are sent again after this long. */
  retransmitMs: 100,
  /** Slots in flight at once. */
  windowSlotsMax: 64,
  /** Commands in one slot. */
  batchCommandsMax: 256,
  /** Bytes of one slot's value, command headers included (the log sets its own, from its ring). */
  batchBytesMax: 256 * 1024,
  /**
   * Bytes of a slot's value joined from several client batches (joining copies them): small
   * commands still share slots across batches, and a slot of large entries stays a view of one.
   */
  joinBytesMax: 64 * 1024,
  /** Client commands queued while the window is full; beyond this, new ones are dropped (clients retry). */
  pendingCommandsMax: 65_536,
});
