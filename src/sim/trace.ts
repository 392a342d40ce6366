// Readable trace lines and a run hash. The hash is always kept (cheap: a few numbers per
// event); lines are only built when tracing is on, because string building dominates the
// cost of a run. A failing seed is re-run with tracing on to print what happened.

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

export function formatValue(value: Value): string {
  if (isNoop(value)) return 'noop';
  return `[${decodeValue(value).map((command) => `c${command.clientId}#${command.seq}${command.count === 1 ? '' : `x${command.count}`}`).join(',')}]`;
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
      return `ClientRequest c${msg.command.clientId}#${msg.command.seq}`;
    case MessageType.Redirect:
      return `Redirect c${msg.clientId}#${msg.seq} leader=${msg.leaderHint}`;
    case MessageType.CatchUp:
      return `CatchUp from-slot=${msg.fromSlot} max=${msg.slotsMax}`;
    case MessageType.CatchUpReply:
      return `CatchUpReply log-start=${msg.logStart} {${msg.entries
        .map((entry) => `${entry.slot}:${formatBallot(entry.ballot)}=${formatValue(entry.value)}`)
        .join(' ')}}`;
    case MessageType.LearnerProgress:
      return `LearnerProgress delivered-below=${msg.deliveredBelow}`;
    case MessageType.ClientReply:
      return `ClientReply c${msg.clientId}#${msg.seq} at log-index ${msg.logIndex}`;
  }
}
