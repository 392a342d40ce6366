/**
 * Axis scales for the report's SVG charts: a value to a pixel position, plus the ticks to draw.
 * `from` and `to` are pixel positions; `to` may be smaller than `from` (a y axis grows upwards).
 */
export interface Scale {
  (value: number): number;
  readonly ticks: ReadonlyArray<{ value: number; label: string }>;
}

export type Format = (value: number) => string;

/**
 * Logarithmic, from the decade at or below `min` to the decade at or above `max`. Ticks at every
 * decade, and at 2 and 5 as well when the range spans two decades or fewer, so that a chart
 * whose figures sit within one decade still has more than two labels.
 */
export function logScale(min: number, max: number, from: number, to: number, format: Format): Scale {
  const floor = Math.max(min, 1e-9);
  const lo = Math.floor(Math.log10(floor));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, floor * 1.0001))));
  const scale = ((value: number) => from + ((Math.log10(Math.max(value, 10 ** lo)) - lo) / (hi - lo)) * (to - from)) as Scale;
  const steps = hi - lo <= 2 ? [1, 2, 5] : [1];
  const ticks = [];
  for (let e = lo; e <= hi; e++) {
    for (const step of steps) {
      const value = step * 10 ** e;
      if (value <= 10 ** hi * 1.0001) ticks.push({ value, label: format(value) });
    }
  }
  return Object.assign(scale, { ticks });
}

export function linearScale(min: number, max: number, from: number, to: number, format: Format, tickCount = 5): Scale {
  const span = max - min || 1;
  const scale = ((value: number) => from + ((value - min) / span) * (to - from)) as Scale;
  const step = niceStep(span / tickCount);
  const ticks = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) ticks.push({ value: v, label: format(v) });
  return Object.assign(scale, { ticks });
}

/** Evenly spaced categories (such as concurrency 1, 16, 256: a log axis in effect, with every value labelled). */
export function categoryScale(values: readonly number[], from: number, to: number, format: Format): Scale {
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
