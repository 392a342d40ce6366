import { styleAt, type SeriesStyle } from './palette.js';
import { linearScale, logScale, type Format, type Scale } from './scales.js';

/**
 * Just enough SVG charting for the HTML report, drawn here and inlined: no script, no network.
 * Every chart is an <svg class="chart" data-chart="NAME"> with real geometry, and every series
 * is drawn by elements carrying data-series="its name" and its colour, so a browser test can
 * check that each chart rendered and that its series look different.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** Default: the palette's style at the series' index. */
  readonly style?: SeriesStyle;
  /** A short label drawn by each point (such as the concurrency it was measured at). */
  readonly pointLabels?: readonly string[];
}

interface Box {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

const LEGEND_WIDTH = 190;

function boxOf(spec: { width?: number; height?: number; legend?: boolean }, left = 78): Box {
  const width = spec.width ?? 780;
  const height = spec.height ?? 360;
  return { width, height, left, right: width - (spec.legend === false ? 20 : LEGEND_WIDTH), top: 34, bottom: height - 48 };
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
  const parts: string[] = [title(box, spec.title), axes(box, x, y, spec.xLabel, spec.yLabel)];
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
        const cx = x(px).toFixed(1);
        const cy = y(py).toFixed(1);
        parts.push(`<circle data-series="${name}" cx="${cx}" cy="${cy}" r="3" fill="${style.color}"><title>${name}: ${escapeXml(series.pointLabels?.[p] ?? '')}</title></circle>`);
        const label = series.pointLabels?.[p];
        if (label) parts.push(`<text x="${(Number(cx) + 5).toFixed(1)}" y="${(Number(cy) - 5).toFixed(1)}" font-size="9" fill="${style.color}">${escapeXml(label)}</text>`);
      });
    }
  });
  if (spec.legend !== false) parts.push(legend(box, spec.series.map((s, i) => ({ name: s.name, style: s.style ?? styleAt(i) })), 'line'));
  return svg(spec.name, spec.title, box, parts);
}

export interface BarChartSpec {
  readonly name: string;
  readonly title: string;
  readonly yLabel: string;
  readonly groups: ReadonlyArray<{ label: string; bars: ReadonlyArray<{ name: string; value: number }> }>;
  /** A style per bar name; default: the palette in order of first appearance. */
  readonly styles?: (name: string, index: number) => SeriesStyle;
  readonly logY?: boolean;
  readonly format: Format;
  readonly width?: number;
  readonly height?: number;
}

export function barChart(spec: BarChartSpec): string {
  const box = boxOf(spec);
  const values = spec.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const max = Math.max(1, ...values);
  const min = Math.min(max, ...values);
  const y = spec.logY ? logScale(min / 2, max, box.bottom, box.top, spec.format) : linearScale(0, max * 1.15, box.bottom, box.top, spec.format);
  const names = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const styleOf = (name: string) => (spec.styles ?? ((_: string, i: number) => styleAt(i)))(name, names.indexOf(name));
  const groupWidth = (box.right - box.left) / Math.max(1, spec.groups.length);
  const barWidth = (groupWidth * 0.7) / Math.max(1, names.length);
  const parts: string[] = [title(box, spec.title), yAxis(box, y, spec.yLabel), xBaseline(box)];
  spec.groups.forEach((group, g) => {
    const gx = box.left + g * groupWidth + groupWidth * 0.15;
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name);
      const style = styleOf(bar.name);
      const top = bar.value > 0 ? y(bar.value) : box.bottom;
      const height = Math.max(1, box.bottom - top);
      const bx = gx + i * barWidth;
      parts.push(
        `<rect class="bar" data-series="${escapeXml(bar.name)}" x="${bx.toFixed(1)}" y="${(box.bottom - height).toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${height.toFixed(1)}" fill="${style.color}"><title>${escapeXml(`${bar.name}: ${spec.format(bar.value)}`)}</title></rect>`,
        `<text x="${(bx + barWidth * 0.45).toFixed(1)}" y="${(box.bottom - height - 4).toFixed(1)}" font-size="10" text-anchor="middle">${escapeXml(spec.format(bar.value))}</text>`,
      );
    });
    parts.push(`<text x="${(gx + groupWidth * 0.35).toFixed(1)}" y="${box.bottom + 18}" font-size="11" text-anchor="middle">${escapeXml(group.label)}</text>`);
  });
  parts.push(legend(box, names.map((name) => ({ name, style: styleOf(name) })), 'box'));
  return svg(spec.name, spec.title, box, parts);
}

export interface DotPlotSpec {
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  /** One row per configuration; one dot per named value (p50, p99, ...), joined by a grey bar from the least to the most. */
  readonly rows: ReadonlyArray<{ label: string; values: ReadonlyArray<{ name: string; value: number }> }>;
  readonly x: (from: number, to: number) => Scale;
  readonly width?: number;
}

const ROW_HEIGHT = 20;
const SHAPES = ['circle', 'square', 'diamond', 'triangle', 'bar'] as const;

/** Rows of dots on a shared x axis: percentiles per configuration, each percentile its own colour and shape. */
export function dotPlot(spec: DotPlotSpec): string {
  const height = 34 + spec.rows.length * ROW_HEIGHT + 48;
  const box = boxOf({ width: spec.width ?? 980, height, legend: true }, 230);
  const x = spec.x(box.left, box.right);
  const names = [...new Set(spec.rows.flatMap((row) => row.values.map((v) => v.name)))];
  const parts: string[] = [title(box, spec.title), xAxis(box, x, spec.xLabel, true)];
  spec.rows.forEach((row, r) => {
    const cy = box.top + (r + 0.5) * ROW_HEIGHT;
    if (r % 2 === 0) parts.push(`<rect x="${box.left}" y="${(cy - ROW_HEIGHT / 2).toFixed(1)}" width="${box.right - box.left}" height="${ROW_HEIGHT}" fill="#f0f0f0"/>`);
    parts.push(`<text x="${box.left - 8}" y="${cy.toFixed(1)}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeXml(row.label)}</text>`);
    const xs = row.values.map((v) => x(v.value));
    parts.push(`<line x1="${Math.min(...xs).toFixed(1)}" x2="${Math.max(...xs).toFixed(1)}" y1="${cy.toFixed(1)}" y2="${cy.toFixed(1)}" stroke="#999" stroke-width="2"/>`);
    for (const value of row.values) {
      const i = names.indexOf(value.name);
      parts.push(shape(SHAPES[i % SHAPES.length]!, x(value.value), cy, styleAt(i).color, `${row.label}, ${value.name}`, value.name));
    }
  });
  names.forEach((name, i) => {
    const ly = box.top + 8 + i * 17;
    parts.push(
      `<g class="legend-entry" data-series="${escapeXml(name)}">${shape(SHAPES[i % SHAPES.length]!, box.right + 26, ly - 4, styleAt(i).color, name, name)}<text x="${box.right + 40}" y="${ly}" font-size="11">${escapeXml(name)}</text></g>`,
    );
  });
  return svg(spec.name, spec.title, box, parts);
}

function shape(kind: (typeof SHAPES)[number], cx: number, cy: number, color: string, tooltip: string, series: string): string {
  const at = (dx: number, dy: number) => `${(cx + dx).toFixed(1)},${(cy + dy).toFixed(1)}`;
  const common = `data-series="${escapeXml(series)}" fill="${color}"`;
  const tip = `<title>${escapeXml(tooltip)}</title>`;
  switch (kind) {
    case 'circle':
      return `<circle ${common} cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="4.5">${tip}</circle>`;
    case 'square':
      return `<rect ${common} x="${(cx - 4).toFixed(1)}" y="${(cy - 4).toFixed(1)}" width="8" height="8">${tip}</rect>`;
    case 'diamond':
      return `<polygon ${common} points="${at(0, -5.5)} ${at(5.5, 0)} ${at(0, 5.5)} ${at(-5.5, 0)}">${tip}</polygon>`;
    case 'triangle':
      return `<polygon ${common} points="${at(0, -5.5)} ${at(5, 4.5)} ${at(-5, 4.5)}">${tip}</polygon>`;
    case 'bar':
      return `<rect ${common} x="${(cx - 1.5).toFixed(1)}" y="${(cy - 7).toFixed(1)}" width="3" height="14">${tip}</rect>`;
  }
}

function dashAttribute(style: SeriesStyle): string {
  return style.dash ? ` stroke-dasharray="${style.dash}"` : '';
}

function title(box: Box, text: string): string {
  return `<text x="${box.left}" y="18" class="title">${escapeXml(text)}</text>`;
}

function svg(name: string, label: string, box: Box, parts: readonly string[]): string {
  return `<svg class="chart" data-chart="${escapeXml(name)}" xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}" viewBox="0 0 ${box.width} ${box.height}" role="img" aria-label="${escapeXml(label)}">${parts.join('')}</svg>`;
}

/** A legend right of the plot: a line (with its dash) or a filled box per series. */
function legend(box: Box, entries: ReadonlyArray<{ name: string; style: SeriesStyle }>, swatch: 'line' | 'box'): string {
  return entries
    .map(({ name, style }, i) => {
      const ly = box.top + 8 + i * 17;
      const mark =
        swatch === 'line'
          ? `<line x1="${box.right + 14}" x2="${box.right + 38}" y1="${ly - 4}" y2="${ly - 4}" stroke="${style.color}" stroke-width="3"${dashAttribute(style)}/>`
          : `<rect x="${box.right + 20}" y="${ly - 10}" width="12" height="12" fill="${style.color}"/>`;
      return `<g class="legend-entry" data-series="${escapeXml(name)}">${mark}<text x="${box.right + 44}" y="${ly}" font-size="11">${escapeXml(name)}</text></g>`;
    })
    .join('');
}

function axes(box: Box, x: Scale, y: Scale, xLabel: string, yLabel: string): string {
  return yAxis(box, y, yLabel) + xAxis(box, x, xLabel, false);
}

function xBaseline(box: Box): string {
  return `<line x1="${box.left}" x2="${box.right}" y1="${box.bottom}" y2="${box.bottom}" stroke="#333"/>`;
}

function xAxis(box: Box, x: Scale, label: string, grid: boolean): string {
  const parts = [xBaseline(box)];
  for (const tick of x.ticks) {
    const tx = x(tick.value).toFixed(1);
    if (grid) parts.push(`<line x1="${tx}" x2="${tx}" y1="${box.top}" y2="${box.bottom}" stroke="#ddd"/>`);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${box.bottom}" y2="${box.bottom + 5}" stroke="#333"/>`,
      `<text x="${tx}" y="${box.bottom + 18}" font-size="11" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(`<text x="${(box.left + box.right) / 2}" y="${box.height - 8}" font-size="12" text-anchor="middle">${escapeXml(label)}</text>`);
  return parts.join('');
}

function yAxis(box: Box, y: Scale, label: string): string {
  const parts = [`<line x1="${box.left}" x2="${box.left}" y1="${box.top}" y2="${box.bottom}" stroke="#333"/>`];
  for (const tick of y.ticks) {
    const ty = y(tick.value).toFixed(1);
    parts.push(
      `<line x1="${box.left - 5}" x2="${box.right}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`,
      `<text x="${box.left - 8}" y="${ty}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(`<text transform="translate(16 ${(box.top + box.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(label)}</text>`);
  return parts.join('');
}
