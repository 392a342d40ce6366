import { axes, boxOf, chartTitle, dashAttribute, escapeXml, legend, svgChart } from './chart-frame.js';
import { styleAt, type SeriesStyle } from './palette.js';
import type { Scale } from './scales.js';

/** Lines of points on two scales, with optional vertical event markers (such as leader kills). */
export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Default: the palette's style at the series' index. */
  readonly style?: SeriesStyle;
  /** A short label drawn by each point (such as the concurrency it was measured at). */
  readonly pointLabels?: readonly string[];
}

export interface LineChartSpec {
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly x: (from: number, to: number) => Scale;
  readonly y: (from: number, to: number) => Scale;
  /** Vertical markers (such as leader kills), each with a label and a style. */
  readonly markers?: ReadonlyArray<{ x: number; label: string; style: SeriesStyle }>;
  readonly showPoints?: boolean;
  /** false: the caller draws one legend for several charts (small multiples). */
  readonly legend?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export function lineChart(spec: LineChartSpec): string {
  const box = boxOf(spec);
  const x = spec.x(box.left, box.right);
  const y = spec.y(box.bottom, box.top);
  const parts: string[] = [chartTitle(box, spec.title), axes(box, x, y, spec.xLabel, spec.yLabel)];
  (spec.markers ?? []).forEach((marker, i) => {
    const mx = x(marker.x).toFixed(1);
    // Labels on alternating rows: kills a few hundred ms apart would print over each other.
    const ly = box.top + 10 + (i % 3) * 12;
    parts.push(
      `<line class="marker" x1="${mx}" x2="${mx}" y1="${box.top}" y2="${box.bottom}" stroke="${marker.style.color}" stroke-width="1.5" stroke-dasharray="${marker.style.dash || '4 3'}"/>`,
      marker.label ? `<text x="${(Number(mx) + 3).toFixed(1)}" y="${ly}" font-size="10" fill="${marker.style.color}">${escapeXml(marker.label)}</text>` : '',
    );
  });
  spec.series.forEach((series, i) => {
    const style = series.style ?? styleAt(i);
    const name = escapeXml(series.name);
    const points = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    if (series.points.length > 0) {
      parts.push(
        `<polyline class="series" data-series="${name}" fill="none" stroke="${style.color}" stroke-width="2"${dashAttribute(style)} points="${points}"/>`,
      );
    }
    if (spec.showPoints !== false && series.points.length <= 60) {
      series.points.forEach(([px, py], p) => {
        const cx = x(px);
        const cy = y(py);
        const label = series.pointLabels?.[p];
        parts.push(`<circle data-series="${name}" cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="3" fill="${style.color}"><title>${name}${label ? `: ${escapeXml(label)}` : ''}</title></circle>`);
        if (label) parts.push(`<text x="${(cx + 5).toFixed(1)}" y="${(cy - 5).toFixed(1)}" font-size="9" fill="${style.color}">${escapeXml(label)}</text>`);
      });
    }
  });
  if (spec.legend !== false) parts.push(legend(box, spec.series.map((s, i) => ({ name: s.name, style: s.style ?? styleAt(i) })), 'line'));
  return svgChart(spec.name, spec.title, box, parts);
}

