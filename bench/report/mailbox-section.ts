import type { MailboxReport } from '../mailbox/suite.js';
import { formatRatio } from '../lib/format.js';
import { paragraph, table, type Section } from './html-parts.js';
import { formatLatency, formatRate } from './units.js';

/**
 * The mailbox suite: the transport under every actor, against what Node offers (postMessage) and
 * against the bare ring it is built on. A table: four transports, two figures each.
 */
export function mailboxSection(mailbox: MailboxReport): Section {
  const { settings, oneWay, roundTrip } = mailbox;
  const postMessage = oneWay.postMessage.messagesPerSecond;
  const transports: ReadonlyArray<[string, keyof typeof roundTrip]> = [
    ['synod mailbox', 'synod'],
    ['bare ring (no actor layer)', 'bareRing'],
    ['postMessage', 'postMessage'],
    ['Atomics wait/notify (no payload)', 'atomics'],
  ];
  const rows = transports.map(([label, key]) => {
    const one = (oneWay as Record<string, { messagesPerSecond: number } | undefined>)[key];
    const round = roundTrip[key];
    return [
      label,
      one ? formatRate(one.messagesPerSecond) : '-',
      one ? formatRatio(one.messagesPerSecond / postMessage) : '-',
      formatRate(round.roundTripsPerSecond),
      formatLatency(round.p50Microseconds),
      formatLatency(round.p99Microseconds),
    ];
  });
  return {
    id: 'mailbox',
    title: 'Mailbox transport (mailbox suite)',
    body:
      paragraph(
        `${settings.messageBytes}-byte messages between two threads; each figure the median of ${settings.runs} run(s). ` +
          `msgpackr native addon: ${mailbox.machine.msgpackrNativeAddon ? 'loaded' : 'missing (slower pure-JS encoding)'}; wait strategy: ${mailbox.machine.waitStrategy}.`,
      ) + table(['transport', 'one way, messages/s', 'vs postMessage', 'round trips/s', 'round trip p50', 'round trip p99'], rows, 'figures'),
  };
}
