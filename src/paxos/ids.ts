// Node ids and the checks public constructors share. Node ids are small integers so a ballot
// can carry one in its low 16 bits and a quorum can be a bitmask over acceptor positions.

export type NodeId = number;

/** Exclusive upper bound on node ids: they must fit in a ballot's low 16 bits. */
export const NODE_ID_LIMIT = 1 << 16;

/** Acceptors are tracked in 31-bit masks (bitwise ops on JS numbers are 32-bit signed). */
export const ACCEPTOR_COUNT_MAX = 31;

export function checkNodeId(name: string, value: unknown): asserts value is NodeId {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer node id, got ${String(value)}`);
  }
  if (value < 0 || value >= NODE_ID_LIMIT) {
    throw new RangeError(`${name} must be in [0, ${NODE_ID_LIMIT - 1}], got ${value}`);
  }
}

export function checkNodeIds(name: string, values: unknown, countMin = 1): asserts values is NodeId[] {
  if (!Array.isArray(values)) throw new TypeError(`${name} must be an array of node ids, got ${String(values)}`);
  if (values.length < countMin) {
    throw new RangeError(`${name} must hold at least ${countMin} node id(s), got ${values.length}`);
  }
  const seen = new Set<number>();
  values.forEach((value, index) => {
    checkNodeId(`${name}[${index}]`, value);
    if (seen.has(value)) throw new RangeError(`${name} lists node id ${value} twice`);
    seen.add(value);
  });
}

/** A positive integer setting (a count or a duration in ms). */
export function checkPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  }
  if (value < 1 || value > max) throw new RangeError(`${name} must be in [1, ${max}], got ${value}`);
}

/** A non-negative integer (a slot or log index). */
export function checkIndex(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${String(value)}`);
  }
  if (value < 0 || value > Number.MAX_SAFE_INTEGER) {
    throw new RangeError(`${name} must be in [0, ${Number.MAX_SAFE_INTEGER}], got ${value}`);
  }
}
