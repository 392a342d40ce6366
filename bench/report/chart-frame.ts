import type { SeriesStyle } from './palette.js';
import type { Scale } from './scales.js';

/**
 * What every chart of the report shares: the frame (size, margins, title), the axes and the
 * legend. Charts are inline SVG, drawn here: no script, no network. Every chart is an
 * <svg class="chart" data-chart="NAME"> with real geometry, and every series is drawn by marks
 * carrying data-series="its name" and its colour, so that a browser test can check that each
 * chart rendered and that its series look different.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A chart's size, and where its plot area lies inside it (pixels from the top left). */
export interface Box {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Room right of the plot for a legend of names such as "memory, 3 acceptors, 64 KiB". */
const LEGEND_WIDTH = 190;

/** The frame of a chart: `left` leaves room for the y axis' labels (or the dot plot's row names). */
export function boxOf(spec: { width?: number; height?: number; legend?: boolean }, left = 78): Box {
  const width = spec.width ?? 780;
  const height = spec.height ?? 360;
  return { width, height, left, right: width - (spec.legend === false ? 20 : LEGEND_WIDTH), top: 34, bottom: height - 48 };
}

export function dashAttribute(style: SeriesStyle): string {
  return style.dash ? ` stroke-dasharray="${style.dash}"` : '';
}

export function chartTitle(box: Box, text: string): string {
  return `<text x="${box.left}" y="18" class="title">${escapeXml(text)}</text>`;
}

export function svgChart(name: string, label: string, box: Box, parts: readonly string[]): string {
  return `<svg class="chart" data-chart="${escapeXml(name)}" xmlns="http://www.w3.org/2000/svg" width="${box.width}" height="${box.height}" viewBox="0 0 ${box.width} ${box.height}" role="img" aria-label="${escapeXml(label)}">${parts.join('')}</svg>`;
}

/** A legend right of the plot: a line (with its dash) or a filled box per series. */
export function legend(box: Box, entries: ReadonlyArray<{ name: string; style: SeriesStyle }>, swatch: 'line' | 'box'): string {
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

export function axes(box: Box, x: Scale, y: Scale, xLabel: string, yLabel: string): string {
  return yAxis(box, y, yLabel) + xAxis(box, x, xLabel, false);
}

export function xBaseline(box: Box): string {
  return `<line x1="${box.left}" x2="${box.right}" y1="${box.bottom}" y2="${box.bottom}" stroke="#333"/>`;
}

export function xAxis(box: Box, x: Scale, label: string, grid: boolean): string {
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

export function yAxis(box: Box, y: Scale, label: string): string {
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
