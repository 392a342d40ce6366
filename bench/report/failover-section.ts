import type { FailoverReport } from '../failover/suite.js';
import { formatCount } from '../lib/format.js';
import { paragraph, question, sharedLegend, type Section } from './html-parts.js';
import { styleAt } from './palette.js';
import { linearScale } from './scales.js';
import { lineChart } from './line-chart.js';
import { formatRate } from './units.js';

/** Kill and restart markers: vermillion dashes and blue dots, told apart by colour-blind readers too. */
const KILL = { color: styleAt(3).color, dash: '5 3' };
const RESTART = { color: styleAt(0).color, dash: '1 3' };
const LEARNER_KILL = { color: styleAt(5).color, dash: '8 3' };
/** The commits line in black: the markers' colours stay for the events. */
const COMMITS = styleAt(6);

/** The failover suite: commits per time bucket around leader (and learner) kills, and the pauses. */
export function failoverSection(failover: FailoverReport): Section {
  const { bucketMs, commits } = failover.timeline;
  const perSecond = commits.map((n, i) => [(i * bucketMs) / 1000, (n * 1000) / bucketMs] as [number, number]);
  const markers = [
    ...failover.kills.flatMap((k, i) => [
      { x: k.atMs / 1000, label: `leader kill ${i + 1}: ${k.pauseMs === null ? 'no recovery' : `${k.pauseMs.toFixed(0)} ms`}`, style: KILL },
      { x: k.restartedAtMs / 1000, label: '', style: RESTART },
    ]),
    ...failover.learnerKills.map((k, i) => ({ x: k.atMs / 1000, label: `learner kill ${i + 1}`, style: LEARNER_KILL })),
  ];
  const max = Math.max(1, ...perSecond.map((p) => p[1]));
  const end = Math.max(bucketMs / 1000, (perSecond.length * bucketMs) / 1000);
  const chart = lineChart({
    name: 'failover',
    title: `commits/s in ${bucketMs} ms buckets, ${failover.settings.inFlight} appends in flight`,
    xLabel: 'seconds since the load started',
    yLabel: 'commits/s',
    series: [{ name: 'commits/s', points: perSecond, style: COMMITS }],
    showPoints: false,
    markers,
    x: (from, to) => linearScale(0, end, from, to, (v) => v.toFixed(1)),
    y: (from, to) => linearScale(0, max * 1.15, from, to, formatRate),
    width: 980,
    legend: false,
  });
  const key = sharedLegend([
    { name: 'leader kill (label: its pause)', style: KILL },
    { name: 'leader restarted', style: RESTART },
    { name: 'learner kill', style: LEARNER_KILL },
  ]);
  const ms = (v: number | null) => (v === null ? 'none' : `${v.toFixed(1)} ms`);
  const { exactlyOnce } = failover;
  return {
    id: 'failover',
    title: 'Leader failover (failover suite)',
    body: [
      `<figure data-question="failover">${question('How long does a leader kill stop commits?')}${key}${chart}</figure>`,
      paragraph(
        `Pause from a kill to the first commit of an append issued once the old leader could no longer commit: p50 ${ms(failover.pauseP50Ms)}, ` +
          `max ${ms(failover.pauseMaxMs)} over ${failover.kills.length} kill(s) (election timeout ${failover.settings.electionTimeoutMs} ms). ` +
          `Learner kills: acknowledgements resumed after ${ms(failover.learnerResumedP50Ms)} (p50). ` +
          `Read back afterwards: ${exactlyOnce.lost} acknowledged append(s) lost, ${exactlyOnce.duplicated} duplicated, of ${formatCount(exactlyOnce.acknowledged)}.`,
      ),
    ].join('\n'),
  };
}
