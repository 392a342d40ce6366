/**
 * Figures as a reader reads them: the suites' JSON keeps microseconds, counts per second and
 * bytes; the report shows ms, k/s and MB/s.
 */

/** 37 -> "37 µs", 1234 -> "1.23 ms", 2_500_000 -> "2.5 s". */
export function formatLatency(microseconds: number): string {
  if (!Number.isFinite(microseconds)) return String(microseconds);
  if (microseconds >= 1e6) return `${trim(microseconds / 1e6)} s`;
  if (microseconds >= 1e3) return `${trim(microseconds / 1e3)} ms`;
  return `${trim(microseconds)} µs`;
}

/** 12_345 -> "12.3 k/s", 100_000 -> "100 k/s" (tick labels stay short), 580 -> "580/s". */
export function formatRate(perSecond: number): string {
  return `${formatQuantity(perSecond)}/s`;
}

/** 12_345 -> "12.3 k", 300_000 -> "300 k", 2.5 -> "2.5". */
export function formatQuantity(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const size = Math.abs(value);
  if (size >= 1e9) return `${trim(value / 1e9)} G`;
  if (size >= 1e6) return `${trim(value / 1e6)} M`;
  if (size >= 1e3) return `${trim(value / 1e3)} k`;
  return trim(value);
}

/** Payload megabytes (10^6 bytes) per second, as disks and networks are rated. */
export function megabytesPerSecond(entriesPerSecond: number, entryBytes: number): number {
  return (entriesPerSecond * entryBytes) / 1e6;
}

export function formatMegabytesPerSecond(value: number): string {
  return `${trim(value)} MB/s`;
}

/** 16 -> "16 B", 1024 -> "1 KiB", 65536 -> "64 KiB": the sizes the grids use. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

export function formatSeconds(milliseconds: number): string {
  return `${trim(milliseconds / 1000)} s`;
}

/** Three significant digits (two below 1), no trailing zeros past the point: 100, 14.1, 2.27, 0.0052. */
function trim(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 1) return String(Number(value.toPrecision(2)));
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return String(Number(value.toFixed(digits)));
}
