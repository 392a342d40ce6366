import { boxOf, chartTitle, escapeXml, svgChart, xAxis } from './chart-frame.js';
import { styleAt } from './palette.js';
import type { Scale } from './scales.js';

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
  const parts: string[] = [chartTitle(box, spec.title), xAxis(box, x, spec.xLabel, true)];
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
  return svgChart(spec.name, spec.title, box, parts);
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

