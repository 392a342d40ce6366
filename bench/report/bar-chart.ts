import { boxOf, chartTitle, escapeXml, legend, svgChart, xBaseline, yAxis } from './chart-frame.js';
import { styleAt, type SeriesStyle } from './palette.js';
import { linearScale, logScale, type Format } from './scales.js';

/** Groups of bars (such as one group per concurrency, one bar per system), on a linear or log y axis. */
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
  const parts: string[] = [chartTitle(box, spec.title), yAxis(box, y, spec.yLabel), xBaseline(box)];
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
  return svgChart(spec.name, spec.title, box, parts);
}

