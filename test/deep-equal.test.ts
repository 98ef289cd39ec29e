import { describe, expect, test } from 'vitest';
import { deepEqual } from '../src/model/deep-equal.js';
import { canonicalJson } from '../src/model/canonical-json.js';

const samples: unknown[] = [
  null,
  0,
  1,
  'a',
  '',
  true,
  false,
  [],
  [1, 2],
  [2, 1],
  {},
  { a: 1 },
  { a: 1, b: undefined },
  { a: 2 },
  { b: 1 },
  { a: [1, { c: 'x' }] },
  { a: [1, { c: 'y' }] },
  { a: { b: { c: null } } },
  { a: { b: {} } },
  [{}],
  [[]],
];

describe('deepEqual', () => {
  test('agrees with canonical JSON equality on every pair of samples', () => {
    for (const a of samples) {
      for (const b of samples) expect(deepEqual(a, b), `${canonicalJson(a)} vs ${canonicalJson(b)}`).toBe(canonicalJson(a) === canonicalJson(b));
    }
  });
});
