import { describe, expect, it } from 'vitest';
import { integerTable } from './helpers/models.js';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { deepFreeze } from '../src/util/deep-freeze.js';

const table = integerTable;
const schema = (t: TableModel): SchemaModel => ({ tables: [t], enums: [], sequences: [] });

describe('diffSchemas with tables shared across tenants', () => {
  it('gives every tenant that holds the same frozen tables the same frozen changes', () => {
    const live = deepFreeze(table(['id']));
    const wanted = deepFreeze(table(['id', 'note']));
    const first = diffSchemas({ current: schema(live), desired: schema(wanted) });
    const second = diffSchemas({ current: schema(live), desired: schema(wanted) });
    expect(first).toEqual([{ kind: 'addColumn', table: 'items', column: { name: 'note', type: 'integer', nullable: true } }]);
    expect(second[0]).toBe(first[0]);
    expect(Object.isFrozen(first[0])).toBe(true);
  });

  it('computes the changes afresh for tables that are not frozen, and they equal the shared ones', () => {
    const shared = diffSchemas({ current: schema(deepFreeze(table(['id', 'old']))), desired: schema(deepFreeze(table(['id', 'note']))) });
    const fresh = diffSchemas({ current: schema(table(['id', 'old'])), desired: schema(table(['id', 'note'])) });
    expect(fresh).toEqual(shared);
    expect(Object.isFrozen(fresh[0])).toBe(false);
  });

  it('keeps results apart for different rename hints on the same pair of tables', () => {
    const live = deepFreeze(table(['id', 'old']));
    const wanted = deepFreeze(table(['id', 'note']));
    const plain = diffSchemas({ current: schema(live), desired: schema(wanted) });
    const renamed = diffSchemas({ current: schema(live), desired: schema(wanted), renames: { tables: {}, columns: { items: { note: 'old' } } } });
    expect(plain.map((c) => c.kind).sort()).toEqual(['addColumn', 'dropColumn']);
    expect(renamed).toEqual([{ kind: 'renameColumn', table: 'items', from: 'old', to: 'note' }]);
  });
});
