// Messages between log clients and learners, beside the Paxos messages of synod/paxos
// (whose types are 1..12). Plain objects with a numeric `type`, like those.
import type { ReportedStorageFailure } from '../storage/storage-error.js';

export const LogMessageType = {
  /** client -> learner: committed entries from `fromIndex`, at most `countMax`. */
  ReadRequest: 40,
  /** learner -> client: the entries asked for, and how many are committed now. */
  ReadReply: 41,
  /** client -> learner: push every entry from `fromIndex` on, as it commits, until Unsubscribe. */
  Subscribe: 42,
  /** learner -> client: entries for a subscription, in order, without gaps. */
  EntriesPush: 43,
  Unsubscribe: 44,
  /** client -> learner: the subscription may run up to `allowedBelow` (flow control: a slow reader holds the learner back, not its memory). */
  Credit: 45,
  /** client -> proposer: many commands in one message (the appends a thread made in one turn of its event loop). */
  ClientRequestBatch: 46,
  /** learner -> client: the acknowledgements of one batch, as flat (clientId, seq, logIndex) triples. */
  ClientReplyBatch: 47,
  /**
   * runtime -> proposer: campaign now. The runtime sees a worker die the moment it dies (the
   * process is the failure domain), so a standby need not wait out an election timeout.
   */
  Campaign: 48,
  /** proposer -> every client endpoint: "I lead now": clients resend what waits at the old leader. */
  NewLeader: 49,
  /** client -> learner: release every entry below `beforeIndex` (as far as this learner has them). */
  Trim: 50,
  /** learner -> client: the trim is done; the log at this learner now starts at `firstIndex`. */
  TrimReply: 51,
  /** acceptor or learner -> every client endpoint: my disk refuses writes; I hold my replies and retry. */
  StorageFailure: 52,
} as const;

/** A role's disk refused a write: the failure as reported (errno name such as ENOSPC, number 0 if unknown, file '' if unknown). */
export interface StorageFailureMessage extends ReportedStorageFailure {
  readonly type: typeof LogMessageType.StorageFailure;
  readonly from: number;
}

export interface TrimMessage {
  readonly type: typeof LogMessageType.Trim;
  readonly from: number;
  readonly requestId: number;
  readonly beforeIndex: number;
}

export interface TrimReplyMessage {
  readonly type: typeof LogMessageType.TrimReply;
  readonly from: number;
  readonly requestId: number;
  readonly firstIndex: number;
  /**
   * The disk refused the trim's compacted copy (a trim writes the entries it keeps to a new file
   * before it drops the old one, so a full disk cannot be trimmed into room): its errno name,
   * number (0 if unknown) and file ('' if unknown). Absent when the trim went through, or is only
   * waiting for this learner to reach beforeIndex.
   */
  readonly failure?: ReportedStorageFailure;
}

export interface CampaignMessage {
  readonly type: typeof LogMessageType.Campaign;
  readonly from: number;
}

export interface NewLeaderMessage {
  readonly type: typeof LogMessageType.NewLeader;
  readonly from: number;
  /**
   * The ballot it leads with: announcements from two proposers come on two mailboxes, in either
   * order, and a client takes the higher ballot's (none: taken as it comes).
   */
  readonly ballot?: number;
}

export interface ClientRequestBatchMessage {
  readonly type: typeof LogMessageType.ClientRequestBatch;
  readonly from: number;
  /** Encoded commands back to back, in the value layout of src/paxos/value.ts (at most LogLimits.requestBatchBytesMax). */
  readonly commands: Uint8Array;
}

export interface ClientReplyBatchMessage {
  readonly type: typeof LogMessageType.ClientReplyBatch;
  readonly from: number;
  /**
   * Acknowledgements as ranges, four numbers each: firstClientId, seq, count, firstIndex. The
   * commands (firstClientId + j, seq) are at firstIndex + j for j < count (one range per run of
   * consecutive sessions at one seq, so a slot of one endpoint's appends in a steady load is
   * acknowledged in four numbers, not three per command). See ack-ranges.ts.
   */
  readonly ranges: readonly number[];
}

export interface ReadRequestMessage {
  readonly type: typeof LogMessageType.ReadRequest;
  readonly from: number;
  readonly requestId: number;
  readonly fromIndex: number;
  readonly countMax: number;
}

export interface ReadReplyMessage {
  readonly type: typeof LogMessageType.ReadReply;
  readonly from: number;
  readonly requestId: number;
  readonly fromIndex: number;
  readonly entries: readonly Uint8Array[];
  /** Entries committed (delivered by this learner) when it answered. */
  readonly committed: number;
  /** The first index this learner still has: a request below it gets no entries (the log was trimmed). */
  readonly firstIndex: number;
}

export interface SubscribeMessage {
  readonly type: typeof LogMessageType.Subscribe;
  readonly from: number;
  readonly subscriptionId: number;
  readonly fromIndex: number;
  /** Push entries below this index only, until a Credit raises it. */
  readonly allowedBelow: number;
}

export interface CreditMessage {
  readonly type: typeof LogMessageType.Credit;
  readonly from: number;
  readonly subscriptionId: number;
  readonly allowedBelow: number;
}

export interface EntriesPushMessage {
  readonly type: typeof LogMessageType.EntriesPush;
  readonly from: number;
  readonly subscriptionId: number;
  readonly fromIndex: number;
  readonly entries: readonly Uint8Array[];
  /** As in ReadReply: a subscription below it gets one push with no entries, and ends. */
  readonly firstIndex: number;
}

export interface UnsubscribeMessage {
  readonly type: typeof LogMessageType.Unsubscribe;
  readonly from: number;
  readonly subscriptionId: number;
}

/**
 * A client id packs three numbers into one safe integer:
 *   (generation * 2^16 + endpoint id) * 2^16 + session,
 * 21 + 16 + 16 = 53 bits, so every id is at most Number.MAX_SAFE_INTEGER (2^53 - 1).
 * The session lets one thread keep many appends in flight (one per session, which is what the
 * learner's duplicate check assumes); the endpoint id tells the learner where to send the
 * acknowledgement. The generation is taken afresh by every connection (the owner's own client,
 * and each endpoint it grants to a thread), from a counter that a storage dir keeps across
 * reopens (connection-generations.ts). Endpoint ids are reused once their thread is gone, and
 * learners remember every session they delivered for: a new connection on an old id must not
 * be taken for the old one, whose sequence numbers are ahead of its own.
 */
export const SESSIONS_PER_ENDPOINT = 1 << 16;
export const ENDPOINTS_PER_GENERATION = 1 << 16;
/** Generations a log (or a storage dir, over all its openings) can hand out: one per connection. */
export const GENERATIONS_MAX = 1 << 21;
/** The largest client id: what the three fields pack to at most. */
export const CLIENT_ID_MAX = GENERATIONS_MAX * ENDPOINTS_PER_GENERATION * SESSIONS_PER_ENDPOINT - 1;
if (CLIENT_ID_MAX > Number.MAX_SAFE_INTEGER) throw new Error(`synod: client ids of up to ${CLIENT_ID_MAX} are not exact in a number`);

export function clientIdOf(generation: number, endpointId: number, session: number): number {
  // Each field must stay inside its bits, or one client's ids would run into another's.
  if (
    !Number.isInteger(generation) || generation < 0 || generation >= GENERATIONS_MAX ||
    !Number.isInteger(endpointId) || endpointId < 0 || endpointId >= ENDPOINTS_PER_GENERATION ||
    !Number.isInteger(session) || session < 0 || session >= SESSIONS_PER_ENDPOINT
  ) {
    throw new RangeError(
      `client id fields out of range: generation ${generation} (< ${GENERATIONS_MAX}), endpoint ${endpointId} (< ${ENDPOINTS_PER_GENERATION}), session ${session} (< ${SESSIONS_PER_ENDPOINT})`,
    );
  }
  return (generation * ENDPOINTS_PER_GENERATION + endpointId) * SESSIONS_PER_ENDPOINT + session;
}

export function endpointOfClient(clientId: number): number {
  return Math.floor(clientId / SESSIONS_PER_ENDPOINT) % ENDPOINTS_PER_GENERATION;
}

/** Entries per ReadReply or EntriesPush, besides the byte limit (LogLimits.pageBytesMax). */
export const ENTRIES_PER_PAGE_MAX = 256;
