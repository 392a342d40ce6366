/** 12_345_678 -> "12.35 M". Rates span five orders of magnitude between transports. */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (Math.abs(value) >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(value >= 100 ? 0 : 1);
}

export function formatMicroseconds(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function formatRatio(value: number): string {
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}x`;
}

/** Left-aligns the first column and right-aligns the rest, two spaces apart. */
export function renderTable(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => indent + row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/**
 * Units people read, for the default tables (the JSON keeps raw microseconds and counts):
 * latency in ms, rates in k/s and M/s, payload in MB/s, memory in MiB.
 */

/** 212.4 us -> "0.21 ms", 12.8 us -> "0.013 ms", 1524 us -> "1.52 ms": about three significant digits. */
export function formatLatencyMs(microseconds: number): string {
  if (!Number.isFinite(microseconds)) return '-';
  const ms = microseconds / 1000;
  const decimals = ms >= 100 ? 0 : ms >= 10 ? 1 : ms >= 0.1 ? 2 : ms >= 0.01 ? 3 : 4;
  return `${ms.toFixed(decimals)} ms`;
}

/** 447 -> "447 /s", 4_123 -> "4.1 k/s", 1_234_567 -> "1.23 M/s", 716_960_000 -> "717 M/s". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 1e6) {
    const millions = perSecond / 1e6;
    return `${millions.toFixed(millions >= 100 ? 0 : millions >= 10 ? 1 : 2)} M/s`;
  }
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(perSecond >= 10 ? 0 : 1)} /s`;
}

/** Payload throughput in decimal megabytes per second, as disks and networks are quoted; kB/s below 0.1 MB/s rather than "0.00 MB/s". */
export function formatMegabytesPerSecond(bytesPerSecond: number): string {
  const mb = bytesPerSecond / 1e6;
  if (mb < 0.1) return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`;
  return `${mb.toFixed(mb >= 100 ? 0 : mb >= 1 ? 1 : 2)} MB/s`;
}

/** A memory or copy rate in decimal gigabytes per second: 0.3174 -> "0.32 GB/s", 19.21 -> "19.2 GB/s". */
export function formatGigabytesPerSecond(gigabytesPerSecond: number): string {
  return `${gigabytesPerSecond.toFixed(gigabytesPerSecond >= 10 ? 1 : 2)} GB/s`;
}

/** Memory in MiB (binary, as RSS is reported): 191_889_408 -> "183 MiB". */
export function formatMebibytes(bytes: number): string {
  const mib = bytes / (1 << 20);
  return `${mib.toFixed(mib >= 100 ? 0 : 1)} MiB`;
}

/** 16 -> "16 B", 1024 -> "1 KiB", 65536 -> "64 KiB": entry sizes as the grid names them. */
export function formatEntryBytes(bytes: number): string {
  if (bytes >= 1 << 20 && bytes % (1 << 20) === 0) return `${bytes >> 20} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/**
 * Prose to at most `width` columns: headers, notes and goals fit a terminal like the tables do.
 * `lead` starts the first line as written (spaces kept); later lines start with `indent`.
 */
export function wrapText(text: string, width = 100, indent = '  ', lead = ''): string {
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  // Split at plain spaces only: a no-break space (U+00A0) keeps a figure and its unit together; the caller turns it back.
  for (const word of text.split(/[ \t\n]+/).filter((w) => w !== '')) {
    const candidate = empty ? line + word : `${line} ${word}`;
    if (candidate.length > width && !empty) {
      lines.push(line);
      line = indent + word;
    } else line = candidate;
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines.join('\n');
}
