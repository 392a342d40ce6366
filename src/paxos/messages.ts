// Wire messages. Plain objects of numbers, arrays and Uint8Array so they encode with msgpack;
// `type` is a small integer for a cheap switch on the hot path. Every message names its sender
// in `from`, so the runtime's envelope only needs the destination. Roles never mutate a message
// they receive (the simulator hands the same object to every duplicate).

import type { Ballot } from './ballot.js';
import type { NodeId } from './ids.js';
import type { Command, Value } from './value.js';

export const MessageType = {
  /** proposer -> acceptors: phase 1 for every slot >= fromSlot. */
  Prepare: 1,
  /** acceptor -> proposer: promise, with what it accepted at or above fromSlot. */
  Promise: 2,
  /** proposer -> acceptors and learners: phase 2 for one slot. */
  Accept: 3,
  /** acceptor -> proposer and learners: "I accepted (slot, ballot)". */
  Accepted: 4,
  /** acceptor -> proposer: refusal, naming the ballot that beat the request. */
  Nack: 5,
  /** leader -> everyone: "I lead with this ballot", plus progress watermarks. */
  Heartbeat: 6,
  /** client -> proposer. */
  ClientRequest: 7,
  /** proposer -> client: "I am not the leader, try this one". */
  Redirect: 8,
  /** learner -> acceptors: "send me what you accepted from fromSlot on". */
  CatchUp: 9,
  /** acceptor -> learner: answer to CatchUp. */
  CatchUpReply: 10,
  /** learner -> proposers: "I delivered every slot below deliveredBelow" (drives log truncation). */
  LearnerProgress: 11,
  /** replica -> client: "your command is at this log index" (sent by the application layer). */
  ClientReply: 12,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * Bytes an AcceptedEntry adds to a Promise or CatchUpReply besides its value's bytes, at most
 * (msgpack map with keys slot, ballot, value and the binary header: about 40). Replies are
 * split by bytes with this, so every message an acceptor builds fits the budget it was given.
 */
export const ACCEPTED_ENTRY_OVERHEAD_BYTES = 64;

/** One accepted slot as an acceptor reports it. */
export interface AcceptedEntry {
  readonly slot: number;
  readonly ballot: Ballot;
  readonly value: Value;
}

export interface PrepareMessage {
  readonly type: typeof MessageType.Prepare;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly fromSlot: number;
}

export interface PromiseMessage {
  readonly type: typeof MessageType.Promise;
  readonly from: NodeId;
  readonly ballot: Ballot;
  /** Slots below logStart were delivered by every learner and dropped: nothing to recover there. */
  readonly logStart: number;
  /** Accepted slots >= max(fromSlot, logStart), ascending: this part's share of them. */
  readonly entries: readonly AcceptedEntry[];
  /**
   * A promise too large for one message goes in parts (split by bytes), numbered 0..parts-1 and
   * each carrying the ballot; the proposer counts the acceptor's vote only once it holds every
   * part, since a lost part could hide an accepted value it must re-propose.
   */
  readonly part: number;
  readonly parts: number;
}

export interface AcceptMessage {
  readonly type: typeof MessageType.Accept;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly slot: number;
  readonly value: Value;
}

export interface AcceptedMessage {
  readonly type: typeof MessageType.Accepted;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly slot: number;
}

export interface NackMessage {
  readonly type: typeof MessageType.Nack;
  readonly from: NodeId;
  /** The refused ballot. */
  readonly ballot: Ballot;
  /** The ballot the acceptor has promised, which is >= `ballot`: retry above it. */
  readonly promised: Ballot;
  /** Slot of a refused Accept, or -1 for a refused Prepare. */
  readonly slot: number;
}

export interface HeartbeatMessage {
  readonly type: typeof MessageType.Heartbeat;
  readonly from: NodeId;
  readonly ballot: Ballot;
  /** The leader knows every slot below this is chosen (learners use it to notice they lag). */
  readonly chosenBelow: number;
  /** Every learner delivered every slot below this: acceptors may drop them. */
  readonly gcBelow: number;
}

export interface ClientRequestMessage {
  readonly type: typeof MessageType.ClientRequest;
  readonly from: NodeId;
  readonly command: Command;
}

export interface RedirectMessage {
  readonly type: typeof MessageType.Redirect;
  readonly from: NodeId;
  readonly clientId: number;
  readonly seq: number;
  /** Last known leader, or -1 if unknown. */
  readonly leaderHint: NodeId | -1;
}

export interface CatchUpMessage {
  readonly type: typeof MessageType.CatchUp;
  readonly from: NodeId;
  readonly fromSlot: number;
  readonly slotsMax: number;
}

export interface CatchUpReplyMessage {
  readonly type: typeof MessageType.CatchUpReply;
  readonly from: NodeId;
  /** If the asker's fromSlot < logStart, those slots are gone and it needs a snapshot. */
  readonly logStart: number;
  readonly entries: readonly AcceptedEntry[];
}

export interface LearnerProgressMessage {
  readonly type: typeof MessageType.LearnerProgress;
  readonly from: NodeId;
  readonly deliveredBelow: number;
}

export interface ClientReplyMessage {
  readonly type: typeof MessageType.ClientReply;
  readonly from: NodeId;
  readonly clientId: number;
  readonly seq: number;
  /** Dense position of the command among all delivered commands (0-based). */
  readonly logIndex: number;
}

export type Message =
  | PrepareMessage
  | PromiseMessage
  | AcceptMessage
  | AcceptedMessage
  | NackMessage
  | HeartbeatMessage
  | ClientRequestMessage
  | RedirectMessage
  | CatchUpMessage
  | CatchUpReplyMessage
  | LearnerProgressMessage
  | ClientReplyMessage;

export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = Object.freeze(
  Object.fromEntries(Object.entries(MessageType).map(([name, type]) => [type, name])),
);
