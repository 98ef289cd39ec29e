import { describe, expect, test } from 'vitest';
import { canonicalJson } from '../src/model/canonical-json.js';

/** The definition, written the slow and obvious way: keys sorted by UTF-16 code unit, no whitespace. */
function reference(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return reference((value as { toJSON: () => unknown }).toJSON());
  }
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map((v) => reference(v) ?? 'null').join(',') + ']';
  const parts: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const text = reference((value as Record<string, unknown>)[key]);
    if (text !== undefined) parts.push(JSON.stringify(key) + ':' + text);
  }
  return '{' + parts.join(',') + '}';
}

describe('canonicalJson', () => {
  const samples: [string, unknown][] = [
    ['sorted and unsorted keys, nested', { b: 1, a: [{ d: undefined, c: 'x' }, null], e: Number.NaN, f: { z: 1, y: { x: [3, { b: 2, a: 1 }] } } }],
    ['keys already in order share their objects', { a: { a: 1, b: [1, 2] }, b: 'two' }],
    ['keys that are array indexes sort as text', { '10': 'ten', '9': 'nine', a: 'a', '01': 'x' }],
    ['an index key deep inside', { t: [{ options: { '2': true, '10': false } }] }],
    ['a toJSON method', { when: new Date(0), b: 1, a: 2 }],
    ['a bigint', { big: 12345678901234567890n, a: 1 }],
    ['unicode and escapes in keys and values', { 'ß': '\u0000"\\', Z: 'é', a: '\n', 'ı': 1 }],
    ['functions, symbols and undefined in arrays', [undefined, () => 1, Symbol('s'), 1]],
    ['infinities', { a: Number.POSITIVE_INFINITY, b: -0 }],
    ['an empty object and array', { b: {}, a: [] }],
    ['an own __proto__ key, as YAML makes one', JSON.parse('{"b":1,"__proto__":{"y":2,"x":1}}')],
    ['boxed primitives and class instances', { b: new Number(5), a: new String('s'), c: new (class Point { y = 1; x = 2; })() }],
  ];

  test.each(samples)('%s: the text of the definition', (_name, value) => {
    expect(canonicalJson(value)).toBe(reference(value));
  });

  test('equal content in any key order gives the same text', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } })).toBe(canonicalJson({ b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 }));
  });

  test('a value with no JSON form is refused', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });
});
