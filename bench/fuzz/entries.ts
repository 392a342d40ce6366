// The entries a fuzz trial appends: each one's bytes follow from (thread, seq, size), so a read
// can be checked against what was appended without keeping the bytes.

/** The entry `thread` appends as its `seq`-th, of `size` bytes: a pattern, with thread and seq in its first 8 bytes. */
export function entryFor(thread: number, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (thread * 131 + seq * 7 + i) & 255;
  if (size >= 8) {
    const view = new DataView(bytes.buffer);
    view.setUint32(0, thread);
    view.setUint32(4, seq);
  }
  return bytes;
}

/** FNV-1a of `bytes`: what a follower thread sends back for each entry instead of the entry. */
export function checksum(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 16777619);
  return hash >>> 0;
}

/** An acknowledged append: where it landed and what it was. */
export interface Acked {
  readonly index: number;
  readonly thread: number;
  readonly seq: number;
  readonly size: number;
}

/** What the trial's appenders (the main thread and a worker) report. */
export interface AppendOutcome {
  readonly acked: Acked[];
  /** Error names of the appends that failed (none are expected: the kills stay within the supervisor's budget). */
  readonly failures: string[];
}

/**
 * Appends `sizes[seq]` bytes for every seq from `lanes` concurrent lanes, through `append`.
 */
export async function appendAll(append: (data: Uint8Array) => Promise<number>, thread: number, sizes: readonly number[], lanes: number): Promise<AppendOutcome> {
  const acked: Acked[] = [];
  const failures: string[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < sizes.length) {
      const seq = next++;
      try {
        acked.push({ index: await append(entryFor(thread, seq, sizes[seq]!)), thread, seq, size: sizes[seq]! });
      } catch (error) {
        failures.push((error as Error).name);
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return { acked, failures };
}
