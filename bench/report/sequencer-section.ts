import type { SequencerReport } from '../sequencer/suite.js';
import { question, table, type Section } from './html-parts.js';
import { barChart } from './bar-chart.js';
import { formatLatency, formatRate } from './units.js';

/** The sequencer suite: numbers handed out per second by client threads, and next(n) in bulk. */
export function sequencerSection(sequencer: SequencerReport): Section {
  const label = (c: SequencerReport['configurations'][number]) =>
    `${c.threads} client thread${c.threads === 1 ? '' : 's'}${c.bulk === 1 ? ', next()' : `, next(${c.bulk})`}`;
  const chart = barChart({
    name: 'sequencer',
    title: `numbers/s, ${sequencer.settings.inFlight} calls in flight (log scale)`,
    yLabel: 'numbers/s',
    logY: true,
    format: formatRate,
    groups: sequencer.configurations.map((c) => ({ label: label(c), bars: [{ name: 'numbers/s', value: c.numbersPerSecond }] })),
  });
  const rows = sequencer.configurations.map((c) => [label(c), formatRate(c.numbersPerSecond), formatRate(c.perSecond), formatLatency(c.latency.p50Microseconds), formatLatency(c.latency.p99Microseconds)]);
  return {
    id: 'sequencer',
    title: 'Sequencer (sequencer suite)',
    body:
      `<figure data-question="sequencer">${question('How many numbers per second, by client threads?')}${chart}</figure>` +
      table(['configuration', 'numbers/s', 'calls/s', 'call p50', 'call p99'], rows, 'figures'),
  };
}
