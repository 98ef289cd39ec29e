/**
 * JSON with object keys sorted (by UTF-16 code unit, as Array.prototype.sort does) and no
 * whitespace, so equal values always give equal text: the basis of digests and of byte-for-byte
 * determinism (DESIGN.md invariant 3). Otherwise it follows JSON.stringify: `toJSON` is honoured,
 * undefined and function properties are left out, and non-finite numbers become null.
 */
export function canonicalJson(value: unknown): string {
  const fast = viaStringify(value);
  if (fast !== undefined) return fast;
  const text = write(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

/** Thrown by keySorted for what JSON.stringify would not write in canonical order. */
class NotPlain extends Error {}

/**
 * The same text through the engine's JSON.stringify, which is twice as fast as write() on a
 * schema model: a copy whose objects have their keys inserted in sorted order, sharing every
 * object whose keys already are (most of a model). Undefined when that cannot give the same text:
 * a toJSON method, a bigint, an object that is not a plain one, or a key that is an array index,
 * which JavaScript always enumerates first in numeric order.
 */
function viaStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(keySorted(value));
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

const arrayIndex = /^(?:0|[1-9]\d*)$/;

function keySorted(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new NotPlain();
    return value;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new NotPlain();
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const sorted = keySorted(item);
      if (sorted !== item) (copy ??= value.slice())[i] = sorted;
    }
    return copy ?? value;
  }
  // A boxed primitive or a class instance: JSON.stringify writes some of them otherwise.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) throw new NotPlain();
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let inOrder = true;
  // The sorted values, allocated only once one differs from the record's own.
  let values: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const first = key.charCodeAt(0);
    if (first >= 48 && first <= 57 && arrayIndex.test(key)) throw new NotPlain();
    if (i > 0 && keys[i - 1]! > key) inOrder = false;
    const item = record[key];
    const sorted = keySorted(item);
    if (sorted !== item && values === undefined) values = keys.slice(0, i).map((k) => record[k]);
    values?.push(sorted);
  }
  if (inOrder && values === undefined) return value;
  const order = keys.map((_, i) => i);
  if (!inOrder) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  // No prototype, so an own "__proto__" key (YAML can make one) stays a key.
  const copy = Object.create(null) as Record<string, unknown>;
  for (const i of order) copy[keys[i]!] = values === undefined ? record[keys[i]!] : values[i];
  return copy;
}

function write(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      // JSON.stringify throws here; a digest of a sequence bound is better served by the digits.
      return JSON.stringify(value.toString());
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  // Built with += rather than arrays joined: a fingerprint writes every tenant's model, and the
  // intermediate arrays were a third of the time (the output is the same text).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (write(value[i]) ?? 'null');
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const text = write(record[key]);
    if (text === undefined) continue;
    out += (first ? '' : ',') + quotedKey(key) + text;
    first = false;
  }
  return out + '}';
}

/** `"key":`, kept: a model repeats the same few dozen keys thousands of times. */
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key) + ':';
    // Keys of arbitrary records (table options) are not worth remembering without bound.
    if (quotedKeys.size < 10_000) quotedKeys.set(key, quoted);
  }
  return quoted;
}
