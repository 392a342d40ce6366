import type { CompareReport } from '../compare/suite.js';
import { formatRatio } from '../lib/format.js';
import { paragraph, question, table, type Section } from './html-parts.js';
import { styleAt } from './palette.js';
import { barChart } from './bar-chart.js';
import { escapeXml } from './chart-frame.js';
import { formatBytes, formatLatency, formatRate, formatSeconds } from './units.js';

/**
 * The peer comparison (compare suite): synod against etcd, measured in the same run on the same
 * machine, which is the only way figures from two systems mean anything together. When the run
 * could not start etcd the section says why and what to install, rather than showing synod alone.
 */
export function peerSection(compare: CompareReport): Section {
  const { settings, etcd } = compare;
  if (!etcd.ran) {
    return {
      id: 'peer',
      title: 'Peer comparison: synod and etcd',
      body:
        `<p class="peer-missing"><strong>etcd was not compared in this run:</strong> ${escapeXml(etcd.skipReason ?? 'no reason recorded')}.</p>` +
        `<p>To compare, ${escapeXml(etcd.howToEnable ?? 'install the etcd binary and the etcd3 npm package')}, then run <code>npx synod bench compare --report FILE.html</code> (or <code>bench all</code>).</p>`,
    };
  }
  const peer = `etcd ${etcd.version}`;
  const styles = { synod: styleAt(0), [peer]: styleAt(1) };
  const rows = compare.rows.filter((row) => row.etcd !== null);
  // A row whose etcd measurement failed keeps synod's figures; the reader is told, not left guessing at a missing bar.
  const failures = compare.rows
    .filter((row) => row.etcd === null)
    .map((row) => `<p class="peer-missing">etcd at ${row.concurrency} in flight FAILED: ${escapeXml(row.etcdError ?? 'no figures recorded')}</p>`)
    .join('');
  const intro = paragraph(
    `The same closed loop of ${formatBytes(settings.valueBytes)} writes, from the same load threads, against each system in turn: ` +
      `synod, a ReplicatedLog with 3 acceptors in memory (append); ${peer}, 3 members on 127.0.0.1 with their data in RAM (/dev/shm), ` +
      `written with put() through the etcd3 gRPC client. Medians of ${settings.runs} run(s) of ${formatSeconds(settings.durationMs)}.`,
  );
  if (rows.length === 0) return { id: 'peer', title: 'Peer comparison: synod and etcd', body: intro + failures };
  const chart = barChart({
    name: 'peer',
    title: `writes/s, ${formatBytes(settings.valueBytes)} values (log scale); ratio synod / etcd under each group`,
    yLabel: 'committed writes/s',
    logY: true,
    format: formatRate,
    styles: (name) => styles[name] ?? styleAt(2),
    groups: rows.map((row) => ({
      label: `${row.concurrency} in flight: ${formatRatio(row.ratio!)}`,
      bars: [
        { name: 'synod', value: row.synod.perSecond },
        { name: peer, value: row.etcd!.perSecond },
      ],
    })),
  });
  const figures = table(
    ['in flight', 'synod writes/s', `${peer} writes/s`, 'synod / etcd', 'synod p50', 'etcd p50', 'synod p99', 'etcd p99'],
    rows.map((row) => [
      String(row.concurrency),
      formatRate(row.synod.perSecond),
      formatRate(row.etcd!.perSecond),
      formatRatio(row.ratio!),
      formatLatency(row.synod.latency.p50Microseconds),
      formatLatency(row.etcd!.latency.p50Microseconds),
      formatLatency(row.synod.latency.p99Microseconds),
      formatLatency(row.etcd!.latency.p99Microseconds),
    ]),
    'figures',
  );
  return {
    id: 'peer',
    title: 'Peer comparison: synod and etcd',
    body: [intro, failures, `<figure data-question="peer">${question('Writes per second, synod and etcd, by writes in flight')}${chart}</figure>`, figures].join('\n'),
  };
}
