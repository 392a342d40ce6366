// Readable trace lines and a run hash. The hash is always kept (cheap: a few numbers per
// event); lines are only built when tracing is on, because string building dominates the
// cost of a run. A failing seed is re-run with tracing on to print what happened.

import { forEachAck } from '../protocol/ack-ranges.js';
import { LogMessageType, SESSIONS_PER_ENDPOINT, type ClientReplyBatchMessage, type ClientRequestBatchMessage } from '../protocol/wire.js';
import { MessageType, decodeValue, formatBallot, isNoop } from '../paxos/index.js';
import type { Message, Value } from '../paxos/index.js';

export class Trace {
  readonly lines: string[] = [];
  private hashValue = 0x811c9dc5;

  constructor(readonly enabled: boolean) {}

  /** Mix numbers describing an event into the run hash (FNV-1a over 32-bit words). */
  mix(a: number, b: number, c: number, d: number): void {
    let h = this.hashValue;
    h = Math.imul(h ^ (a | 0), 0x01000193);
    h = Math.imul(h ^ (b | 0), 0x01000193);
    h = Math.imul(h ^ (c | 0), 0x01000193);
    h = Math.imul(h ^ (d | 0), 0x01000193);
    this.hashValue = h >>> 0;
  }

  line(atMs: number, text: string): void {
    if (this.enabled) this.lines.push(`${String(atMs).padStart(6)}ms ${text}`);
  }

  get hash(): string {
    return this.hashValue.toString(16).padStart(8, '0');
  }
}

/**
 * A command as the trace and the checker name it: c<client>#<seq>, with x<count> for a
 * reservation. A log client's id packs its endpoint and session (wire.ts clientIdOf), shown as
 * <endpoint>.<session>; ids below that range (scripted scenarios) are shown as they are.
 */
export function commandLabel(clientId: number, seq: number, count = 1): string {
  const client = clientId < SESSIONS_PER_ENDPOINT ? `${clientId}` : `${Math.floor(clientId / SESSIONS_PER_ENDPOINT)}.${clientId % SESSIONS_PER_ENDPOINT}`;
  return `c${client}#${seq}${count === 1 ? '' : `x${count}`}`;
}

export function formatValue(value: Value): string {
  if (isNoop(value)) return 'noop';
  return `[${decodeValue(value).map((command) => commandLabel(command.clientId, command.seq, command.count)).join(',')}]`;
}

export function formatMessage(msg: Message): string {
  switch (msg.type) {
    case MessageType.Prepare:
      return `Prepare b=${formatBallot(msg.ballot)} from-slot=${msg.fromSlot}`;
    case MessageType.Promise:
      return `Promise b=${formatBallot(msg.ballot)} log-start=${msg.logStart} {${msg.entries
        .map((entry) => `${entry.slot}:${formatBallot(entry.ballot)}=${formatValue(entry.value)}`)
        .join(' ')}}`;
    case MessageType.Accept:
      return `Accept b=${formatBallot(msg.ballot)} slot=${msg.slot} ${formatValue(msg.value)}`;
    case MessageType.Accepted:
      return `Accepted b=${formatBallot(msg.ballot)} slot=${msg.slot}`;
    case MessageType.Nack:
      return `Nack b=${formatBallot(msg.ballot)} promised=${formatBallot(msg.promised)}${msg.slot >= 0 ? ` slot=${msg.slot}` : ''}`;
    case MessageType.Heartbeat:
      return `Heartbeat b=${formatBallot(msg.ballot)} chosen-below=${msg.chosenBelow} gc-below=${msg.gcBelow}`;
    case MessageType.ClientRequest:
      return `ClientRequest ${commandLabel(msg.command.clientId, msg.command.seq)}`;
    case MessageType.Redirect:
      return `Redirect ${commandLabel(msg.clientId, msg.seq)} leader=${msg.leaderHint}`;
    case MessageType.CatchUp:
      return `CatchUp from-slot=${msg.fromSlot} max=${msg.slotsMax}`;
    case MessageType.CatchUpReply:
      return `CatchUpReply log-start=${msg.logStart} {${msg.entries
        .map((entry) => `${entry.slot}:${formatBallot(entry.ballot)}=${formatValue(entry.value)}`)
        .join(' ')}}`;
    case MessageType.LearnerProgress:
      return `LearnerProgress delivered-below=${msg.deliveredBelow}`;
    case MessageType.ClientReply:
      return `ClientReply ${commandLabel(msg.clientId, msg.seq)} at log-index ${msg.logIndex}`;
  }
  return formatLogMessage(msg as unknown as { type: number });
}

/** The log's own messages (src/protocol/wire.ts) that the simulated clients, proposers and learners exchange. */
function formatLogMessage(msg: { type: number }): string {
  switch (msg.type) {
    case LogMessageType.ClientRequestBatch: {
      const { commands } = msg as ClientRequestBatchMessage;
      return `ClientRequestBatch ${formatValue(commands)}`;
    }
    case LogMessageType.ClientReplyBatch: {
      const acks: string[] = [];
      forEachAck((msg as ClientReplyBatchMessage).ranges, (clientId, seq, logIndex) => acks.push(`${commandLabel(clientId, seq)}@${logIndex}`));
      return `ClientReplyBatch ${acks.join(' ')}`;
    }
    case LogMessageType.NewLeader:
      return 'NewLeader';
    default:
      return `message type ${msg.type}`;
  }
}
