import { describe, expect, it } from 'vitest';
import { integerTable } from './helpers/models.js';
import { ModelInterner } from '../src/model/intern.js';

const table = integerTable;

describe('ModelInterner', () => {
  it('returns the table met before when an equal one comes, frozen all the way down', () => {
    const interner = new ModelInterner();
    const first = interner.table(table(['id', 'n']));
    const second = interner.table(table(['id', 'n']));
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.columns[0])).toBe(true);
    expect(() => {
      (first.columns as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('keeps tables apart that differ in anything, column order included', () => {
    const interner = new ModelInterner();
    const a = interner.table(table(['id', 'n']));
    const b = interner.table(table(['n', 'id']));
    const c = interner.table(table(['id', 'n'], { comment: 'x' }));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(b.columns.map((col) => col.name)).toEqual(['n', 'id']);
    expect(interner.table(table(['id', 'n']))).toBe(a);
    expect(interner.table(table(['n', 'id']))).toBe(b);
  });

  it('forgets the least recently met variant of a name past its limit, and only shares less', () => {
    const interner = new ModelInterner(2);
    const a = interner.table(table(['a']));
    interner.table(table(['b']));
    interner.table(table(['c']));
    const again = interner.table(table(['a']));
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  it('holds no more than its limit of objects: past it, it starts over', () => {
    const interner = new ModelInterner(4, 2);
    const a = interner.table(table(['a']));
    interner.table({ ...table(['b']), name: 'other' });
    expect(interner.table(table(['a']))).toBe(a);
    interner.table({ ...table(['c']), name: 'third' });
    expect(interner.table(table(['a']))).not.toBe(a);
  });

  it('shares enums and sequences by name and content', () => {
    const interner = new ModelInterner();
    const e = interner.enum({ name: 'mood', values: ['a', 'b'] });
    expect(interner.enum({ name: 'mood', values: ['a', 'b'] })).toBe(e);
    expect(interner.enum({ name: 'mood', values: ['b', 'a'] })).not.toBe(e);
    const sequence = { name: 's', type: 'integer', start: '1', increment: '1', minValue: '1', maxValue: '10', cache: '1', cycle: false } as const;
    expect(interner.sequence({ ...sequence })).toBe(interner.sequence({ ...sequence }));
  });
});
