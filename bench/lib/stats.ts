/** The median of `values` (the mean of the middle two for an even count). Medians, not means: one run disturbed by a neighbour's test should not move the figure. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function minimum(values: readonly number[]): number {
  return Math.min(...values);
}

export function maximum(values: readonly number[]): number {
  return Math.max(...values);
}

/** `measured / baseline`, the form every target is stated in. */
export function ratio(measured: number, baseline: number): number {
  return baseline === 0 ? Number.POSITIVE_INFINITY : measured / baseline;
}
