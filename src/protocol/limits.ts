// Every size limit of a log, in bytes, derived in one place from the one thing that bounds them
// all: the largest message a mailbox link carries (half its ring, see src/mailbox/layout.ts).
// Client batches, slots, Promise and CatchUp replies, read pages, pushes and acknowledgements are
// all split by these, so the runtime never builds a message that cannot fit a mailbox (the
// limits test encodes the largest message of every kind and checks it against this budget).

import { maxPayloadBytes } from '../mailbox/layout.js';
import { ACCEPTED_ENTRY_OVERHEAD_BYTES, COMMAND_COUNT_MAX, COMMAND_HEADER_BYTES } from '../paxos/index.js';
import { FRAME_PAYLOAD_BYTES_MAX } from '../storage/frame.js';
import { batchBytesMax } from '../storage/learner-record.js';

/**
 * Bytes of a message besides its payload (type, sender, ballot, slot, ids, indexes, and the
 * msgpack map and binary headers): well above what any log message's fixed fields take (under 120).
 */
export const MESSAGE_HEADER_BYTES_MAX = 256;
/** Bytes one entry of a read page or push adds besides its data (a msgpack bin header, at most 5). */
export const PAGE_ENTRY_OVERHEAD_BYTES = 8;
/** Bytes one acknowledgement range adds to a ClientReplyBatch: four numbers, each at most a 9-byte float64. */
export const ACK_RANGE_BYTES = 36;
/** The largest entry a log accepts by default (fewer where the ring is small). */
export const ENTRY_BYTES_DEFAULT = 64 * 1024;
/**
 * Most log indexes one reservation takes (one command whose count is this): the sequencer's
 * largest window, so at most this many numbers a crash can leave unused.
 */
export const RESERVE_COUNT_MAX = 1 << 22;
/** Most numbers one Sequencer.next(count) hands out. */
export const NEXT_COUNT_MAX = 65_536;
/** Messages a role's courier holds per destination while that mailbox is full; past this the oldest go (the protocol resends). */
export const HELD_MESSAGES_PER_PEER_MAX = 65_536;
/** Replies an acceptor holds while its store refuses writes; past this the oldest go (they are only answers). */
export const HELD_REPLIES_MAX = 65_536;

/** Throws if the count limits break what they rely on: a next(count) is served from one window, whose reservation is one command's count. */
export function checkCountLimits(nextCountMax: number, reserveCountMax: number): void {
  assertLimit(nextCountMax <= reserveCountMax, `a next(count) of ${nextCountMax} fits one reservation (${reserveCountMax})`);
  assertLimit(reserveCountMax <= COMMAND_COUNT_MAX, `a reservation of ${reserveCountMax} fits a command's count field (${COMMAND_COUNT_MAX})`);
}
checkCountLimits(NEXT_COUNT_MAX, RESERVE_COUNT_MAX);

export interface LogLimits {
  /** The largest encoded message one mailbox link carries. */
  readonly messageBytesMax: number;
  /** A slot's value, command headers included: its Accept, and a Promise part or CatchUpReply holding it alone, fit a message. */
  readonly slotValueBytesMax: number;
  /** The largest entryBytesMax this ring allows: one command that fills a slot. */
  readonly entryBytesBound: number;
  /** Encoded commands in one ClientRequestBatch. */
  readonly requestBatchBytesMax: number;
  /** Entries (value bytes plus ACCEPTED_ENTRY_OVERHEAD_BYTES each) in one Promise part or CatchUpReply. */
  readonly acceptorReplyBytesMax: number;
  /** Entries (data plus PAGE_ENTRY_OVERHEAD_BYTES each) in one ReadReply or EntriesPush. */
  readonly pageBytesMax: number;
  /** Acknowledgement ranges in one ClientReplyBatch. */
  readonly ackRangesPerMessageMax: number;
}

/**
 * Bytes of values a leader has in flight (its window's slots), and bytes of client commands it
 * queues before it leaves its clients' further batches in their mailboxes: each one message's
 * worth (half a ring), so that both fit its value slab (two rings, see ActorSystem) with room for
 * the values its receivers still read; or four of the largest entries where that is more (at
 * most a ring), so that large entries still go in a pipeline (16 KiB entries on 64 KiB rings ran
 * at two thirds the rate with half a ring). Past its slab's room a value goes inline, copied
 * into every receiver's ring: with 1024 appends of 64 KiB in flight, most did, at half the
 * throughput of 256 in flight.
 */
export function leaderValueBytesMax(ringBytes: number, entryBytesMax: number): number {
  return Math.min(ringBytes, Math.max(maxPayloadBytes(ringBytes), 4 * (COMMAND_HEADER_BYTES + entryBytesMax)));
}

/** The limits of a log whose mailbox rings are `ringBytes` each. */
export function logLimits(ringBytes: number): LogLimits {
  const messageBytesMax = maxPayloadBytes(ringBytes);
  const payloadBytesMax = messageBytesMax - MESSAGE_HEADER_BYTES_MAX;
  const slotValueBytesMax = payloadBytesMax - ACCEPTED_ENTRY_OVERHEAD_BYTES;
  const limits: LogLimits = {
    messageBytesMax,
    slotValueBytesMax,
    entryBytesBound: slotValueBytesMax - COMMAND_HEADER_BYTES,
    requestBatchBytesMax: payloadBytesMax,
    acceptorReplyBytesMax: payloadBytesMax,
    pageBytesMax: payloadBytesMax,
    ackRangesPerMessageMax: Math.floor(payloadBytesMax / ACK_RANGE_BYTES),
  };
  // What the splitting relies on: one largest entry always fits each kind of message alone.
  const largestCommand = COMMAND_HEADER_BYTES + limits.entryBytesBound;
  assertLimit(largestCommand <= limits.slotValueBytesMax, 'a largest command fits a slot');
  assertLimit(largestCommand <= limits.requestBatchBytesMax, 'a largest command fits a request batch');
  assertLimit(limits.slotValueBytesMax + ACCEPTED_ENTRY_OVERHEAD_BYTES <= limits.acceptorReplyBytesMax, 'a largest slot fits a Promise part');
  assertLimit(limits.entryBytesBound + PAGE_ENTRY_OVERHEAD_BYTES <= limits.pageBytesMax, 'a largest entry fits a read page');
  assertLimit(limits.ackRangesPerMessageMax >= 1, 'an acknowledgement range fits a message');
  // What the stores rely on: an acceptor's record of one slot, and a learner's record of one slot
  // (its commands' varints may take up to 8 bytes more than their 24-byte headers), fit a frame.
  assertLimit(limits.slotValueBytesMax + ACCEPTED_ENTRY_OVERHEAD_BYTES <= FRAME_PAYLOAD_BYTES_MAX, 'a largest slot fits an acceptor record');
  const slotCommandsMax = Math.floor(limits.slotValueBytesMax / COMMAND_HEADER_BYTES);
  assertLimit(
    batchBytesMax(slotCommandsMax, limits.slotValueBytesMax - slotCommandsMax * COMMAND_HEADER_BYTES) <= FRAME_PAYLOAD_BYTES_MAX &&
      batchBytesMax(1, limits.entryBytesBound) <= FRAME_PAYLOAD_BYTES_MAX,
    'a largest slot fits a learner record',
  );
  return limits;
}

function assertLimit(holds: boolean, what: string): void {
  if (!holds) throw new Error(`synod limits are inconsistent: expected ${what}`);
}
