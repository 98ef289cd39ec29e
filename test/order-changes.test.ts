// The planner's execution order (no database): what must run before what.
import { describe, expect, test } from 'vitest';
import type { Change } from '../src/diff/changes.js';
import { orderChanges } from '../src/plan/order-changes.js';
import { integerTable } from './helpers/models.js';

const rating = integerTable(['id'], { name: 'rating', primaryKey: { name: 'rating_pkey', columns: ['id'] } });
// The same table renamed by hand: it keeps its key's name, which the desired table needs back.
const review = integerTable(['id'], { name: 'review', primaryKey: { name: 'rating_pkey', columns: ['id'] } });
const other = integerTable(['id'], { name: 'other', primaryKey: { name: 'other_pkey', columns: ['id'] } });

describe('orderChanges', () => {
  test('a dropped table holding a name a created table needs is dropped first', () => {
    const changes: Change[] = [
      { kind: 'createTable', table: rating },
      { kind: 'dropTable', table: review },
    ];
    expect(orderChanges(changes).map((c) => c.kind)).toEqual(['dropTable', 'createTable']);
  });

  test('a dropped table in nobody’s way is dropped after the creates, as before', () => {
    const changes: Change[] = [
      { kind: 'dropTable', table: other },
      { kind: 'createTable', table: rating },
    ];
    expect(orderChanges(changes).map((c) => c.kind)).toEqual(['createTable', 'dropTable']);
  });

  test('a table renamed into the name of a dropped one waits for the drop', () => {
    const changes: Change[] = [
      { kind: 'renameTable', from: 'old', to: 'other' },
      { kind: 'dropTable', table: other },
    ];
    expect(orderChanges(changes).map((c) => c.kind)).toEqual(['dropTable', 'renameTable']);
  });
});
