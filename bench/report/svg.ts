/**
 * Just enough SVG charting for the HTML report, drawn here and inlined: no script, no network.
 * Every chart is an <svg class="chart" data-chart="NAME"> with real geometry, so a browser test
 * can check that it rendered with a non-zero size.
 */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface Scale {
  (value: number): number;
  readonly ticks: ReadonlyArray<{ value: number; label: string }>;
}

const WIDTH = 760;
const HEIGHT = 360;
const MARGIN = { left: 80, right: 200, top: 30, bottom: 50 };

export function logScale(min: number, max: number, from: number, to: number, format: (v: number) => string): Scale {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-9)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, min * 1.0001, 1e-9))));
  const scale = ((value: number) => from + ((Math.log10(Math.max(value, 10 ** lo)) - lo) / (hi - lo)) * (to - from)) as Scale;
  const ticks = [];
  for (let e = lo; e <= hi; e++) ticks.push({ value: 10 ** e, label: format(10 ** e) });
  return Object.assign(scale, { ticks });
}

export function linearScale(min: number, max: number, from: number, to: number, format: (v: number) => string, tickCount = 5): Scale {
  const span = max - min || 1;
  const scale = ((value: number) => from + ((value - min) / span) * (to - from)) as Scale;
  const step = niceStep(span / tickCount);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push({ value: v, label: format(v) });
  return Object.assign(scale, { ticks });
}

/** Evenly spaced categories (such as concurrency 1, 16, 256). */
export function categoryScale(values: readonly number[], from: number, to: number, format: (v: number) => string): Scale {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const at = (value: number) => {
    const i = sorted.indexOf(value);
    return sorted.length === 1 ? (from + to) / 2 : from + (i / (sorted.length - 1)) * (to - from);
  };
  return Object.assign(at as Scale, { ticks: sorted.map((value) => ({ value, label: format(value) })) });
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export interface LineChartSpec {
  readonly name: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly x: (from: number, to: number) => Scale;
  readonly y: (from: number, to: number) => Scale;
  /** Vertical markers (such as leader kills). */
  readonly markers?: ReadonlyArray<{ x: number; label: string; color: string }>;
  readonly showPoints?: boolean;
}

export function lineChart(spec: LineChartSpec): string {
  const x = spec.x(MARGIN.left, WIDTH - MARGIN.right);
  const y = spec.y(HEIGHT - MARGIN.bottom, MARGIN.top);
  const parts: string[] = [];
  parts.push(`<text x="${WIDTH / 2 - MARGIN.right / 2}" y="18" text-anchor="middle" class="title">${escapeXml(spec.title)}</text>`);
  parts.push(axes(x, y, spec.xLabel, spec.yLabel));
  for (const marker of spec.markers ?? []) {
    const mx = x(marker.x).toFixed(1);
    parts.push(
      `<line class="marker" x1="${mx}" x2="${mx}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="${marker.color}" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${MARGIN.top - 4}" font-size="10" text-anchor="middle" fill="${marker.color}">${escapeXml(marker.label)}</text>`,
    );
  }
  spec.series.forEach((series, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const points = series.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ');
    if (series.points.length > 0) parts.push(`<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    if (spec.showPoints !== false && series.points.length <= 40) {
      for (const [px, py] of series.points) parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${color}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right + 12}" y="${ly - 8}" width="12" height="4" fill="${color}"/>`,
      `<text x="${WIDTH - MARGIN.right + 30}" y="${ly - 3}" font-size="11">${escapeXml(series.name)}</text>`,
    );
  });
  return svg(spec.name, spec.title, parts);
}

export interface BarChartSpec {
  readonly name: string;
  readonly title: string;
  readonly yLabel: string;
  readonly groups: ReadonlyArray<{ label: string; bars: ReadonlyArray<{ name: string; value: number }> }>;
  readonly logY?: boolean;
  readonly format: (v: number) => string;
}

export function barChart(spec: BarChartSpec): string {
  const values = spec.groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const max = Math.max(1, ...values);
  const min = Math.min(max, ...values);
  const y = spec.logY ? logScale(min / 2, max, HEIGHT - MARGIN.bottom, MARGIN.top, spec.format) : linearScale(0, max * 1.1, HEIGHT - MARGIN.bottom, MARGIN.top, spec.format);
  const names = [...new Set(spec.groups.flatMap((g) => g.bars.map((b) => b.name)))];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const groupWidth = plotWidth / Math.max(1, spec.groups.length);
  const barWidth = (groupWidth * 0.7) / Math.max(1, names.length);
  const parts: string[] = [`<text x="${WIDTH / 2 - MARGIN.right / 2}" y="18" text-anchor="middle" class="title">${escapeXml(spec.title)}</text>`];
  parts.push(yAxis(y, spec.yLabel));
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`);
  spec.groups.forEach((group, g) => {
    const gx = MARGIN.left + g * groupWidth + groupWidth * 0.15;
    group.bars.forEach((bar) => {
      const i = names.indexOf(bar.name);
      const top = bar.value > 0 ? y(bar.value) : HEIGHT - MARGIN.bottom;
      const height = Math.max(1, HEIGHT - MARGIN.bottom - top);
      parts.push(
        `<rect class="bar" x="${(gx + i * barWidth).toFixed(1)}" y="${(HEIGHT - MARGIN.bottom - height).toFixed(1)}" width="${(barWidth * 0.9).toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"><title>${escapeXml(`${bar.name}: ${spec.format(bar.value)}`)}</title></rect>`,
        `<text x="${(gx + (i + 0.45) * barWidth).toFixed(1)}" y="${(HEIGHT - MARGIN.bottom - height - 3).toFixed(1)}" font-size="10" text-anchor="middle">${escapeXml(spec.format(bar.value))}</text>`,
      );
    });
    parts.push(`<text x="${(gx + groupWidth * 0.35).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" font-size="11" text-anchor="middle">${escapeXml(group.label)}</text>`);
  });
  names.forEach((name, i) => {
    const ly = MARGIN.top + 10 + i * 16;
    parts.push(
      `<rect x="${WIDTH - MARGIN.right + 12}" y="${ly - 9}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${WIDTH - MARGIN.right + 30}" y="${ly}" font-size="11">${escapeXml(name)}</text>`,
    );
  });
  return svg(spec.name, spec.title, parts);
}

function svg(name: string, title: string, parts: readonly string[]): string {
  return `<svg class="chart" data-chart="${escapeXml(name)}" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">${parts.join('')}</svg>`;
}

function axes(x: Scale, y: Scale, xLabel: string, yLabel: string): string {
  const parts = [yAxis(y, yLabel)];
  const bottom = HEIGHT - MARGIN.bottom;
  parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  for (const tick of x.ticks) {
    const tx = x(tick.value).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 5}" stroke="#333"/>`,
      `<text x="${tx}" y="${bottom + 18}" font-size="11" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(`<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 10}" font-size="12" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  return parts.join('');
}

function yAxis(y: Scale, label: string): string {
  const parts = [`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}" stroke="#333"/>`];
  for (const tick of y.ticks) {
    const ty = y(tick.value).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left - 5}" x2="${WIDTH - MARGIN.right}" y1="${ty}" y2="${ty}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${ty}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeXml(tick.label)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(16 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" font-size="12" text-anchor="middle">${escapeXml(label)}</text>`,
  );
  return parts.join('');
}
