/**
 * Builds decoded objects whose key sequence recurs (message after message of the same type) with
 * one generated object literal per sequence, instead of a store per key.
 *
 * Why: storing under keys only known at run time (`object[key] = value`) goes through V8's
 * generic keyed-store path; measured here, about 50 ns for three keys, against about 4 ns for a
 * literal `{"k": v[0], "s": v[1], "d": v[2]}`, which also gives every object of that type one
 * hidden class from the start. msgpackr does the same for its records.
 *
 * Key sequences form a trie. A sequence gets its literal only after HITS_BEFORE_COMPILE decodes,
 * so one-off shapes (a map keyed by ids, say) never pay for a compile; the trie stops growing at
 * MAX_NODES, and past that, or for longer maps, or where code generation from strings is
 * disallowed, objects are built key by key as before. Keys arrive already renamed from
 * '__proto__' (see FastDecoder), and are embedded as JSON string literals, so a key can never be
 * read as code.
 */
export const MAX_SHAPE_KEYS = 16;
const MAX_NODES = 4096;
const HITS_BEFORE_COMPILE = 8;

type Build = (values: unknown[]) => Record<string, unknown>;

export class ShapeNode {
  /** The last child taken: a type's keys follow one another the same way every time. */
  lastKey: string | undefined;
  lastChild: ShapeNode | undefined;
  /**
   * The raw bytes of lastKey when it is a fixstr of at most 8 bytes, packed as FastDecoder packs
   * them (-1: not known). Lets the decoder take the transition by two integer compares, with no
   * key cache lookup and no string compare (see FastDecoder.readMap).
   */
  lastKeyPackedLength = -1;
  lastKeyPackedLow = 0;
  lastKeyPackedHigh = 0;
  private children: Map<string, ShapeNode> | undefined;
  private hits = 0;
  private build: Build | undefined;

  constructor(readonly keys: readonly string[]) {}

  child(key: string, shapes: ObjectShapes): ShapeNode | undefined {
    if (this.lastKey === key) return this.lastChild;
    let child = this.children?.get(key);
    if (child === undefined) {
      if (!shapes.admit()) return undefined;
      child = new ShapeNode([...this.keys, key]);
      (this.children ??= new Map()).set(key, child);
    }
    this.lastKey = key;
    this.lastChild = child;
    this.lastKeyPackedLength = -1;
    return child;
  }

  /** Records the packed bytes of lastKey (call right after child() returned a node for it). */
  rememberPackedKey(length: number, low: number, high: number): void {
    this.lastKeyPackedLength = length;
    this.lastKeyPackedLow = low;
    this.lastKeyPackedHigh = high;
  }

  /** The object with this node's keys and `values[0 .. keys.length)`, or undefined to build it key by key. */
  create(values: unknown[], shapes: ObjectShapes): Record<string, unknown> | undefined {
    if (this.build !== undefined) return this.build(values);
    if (++this.hits < HITS_BEFORE_COMPILE || !shapes.codeGeneration) return undefined;
    this.build = shapes.compile(this.keys);
    return this.build?.(values);
  }
}

export class ObjectShapes {
  readonly root = new ShapeNode([]);
  private nodes = 1;
  codeGeneration = true;

  admit(): boolean {
    if (this.nodes >= MAX_NODES) return false;
    this.nodes++;
    return true;
  }

  compile(keys: readonly string[]): Build | undefined {
    const fields = keys.map((key, i) => `${JSON.stringify(key)}: values[${i}]`).join(', ');
    try {
      return new Function('values', `return { ${fields} };`) as Build;
    } catch {
      // e.g. node --disallow-code-generation-from-strings: build key by key from now on.
      this.codeGeneration = false;
      return undefined;
    }
  }
}
