// The engine-neutral half of grants (issue 12, item 2): what the diff asks for when objects come,
// go, are recreated or renamed, and how a snapshot from before grants were compared is read.
import { describe, expect, test } from 'vitest';
import type { Change } from '../src/diff/changes.js';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { classifyDrift } from '../src/diff/three-way.js';
import { noExclusions } from '../src/model/desired.js';
import { fingerprint } from '../src/model/fingerprint.js';
import type { GrantModel, SchemaModel, TableModel } from '../src/model/types.js';

const table = (name: string, columns: string[] = ['id']): TableModel => ({
  name,
  columns: columns.map((c) => ({ name: c, type: 'integer', nullable: true })),
  uniques: [],
  indexes: [],
  foreignKeys: [],
  checks: [],
});
const schema = (tables: TableModel[], grants?: GrantModel[]): SchemaModel => ({ tables, enums: [], sequences: [], ...(grants && { grants }) });
const grant = (name: string, grantee: string, privileges: string[], column?: string): GrantModel => ({ kind: 'table', name, ...(column && { column }), grantee, privileges });
const grantChanges = (changes: Change[]) => changes.filter((c) => c.kind === 'setGrants');

describe('diffSchemas: grants', () => {
  test('are not compared when the desired schema has none (the setting is off)', () => {
    const current = schema([table('t')], [grant('t', 'ro', ['SELECT'])]);
    expect(diffSchemas({ current, desired: schema([table('t')]) })).toEqual([]);
  });

  test('a role that should hold less, more, or the default, gets one change each', () => {
    const current = schema([table('t')], [grant('t', 'ro', ['SELECT', 'UPDATE']), grant('t', 'gone', ['SELECT'])]);
    const desired = schema([table('t')], [grant('t', 'ro', ['SELECT']), grant('t', 'new', ['INSERT'])]);
    expect(grantChanges(diffSchemas({ current, desired }))).toEqual([
      { kind: 'setGrants', on: { kind: 'table', name: 't' }, grantee: 'gone', from: ['SELECT'] },
      { kind: 'setGrants', on: { kind: 'table', name: 't' }, grantee: 'new', to: ['INSERT'] },
      { kind: 'setGrants', on: { kind: 'table', name: 't' }, grantee: 'ro', from: ['SELECT', 'UPDATE'], to: ['SELECT'] },
    ]);
  });

  test("a dropped table's and column's grants go with them; a new table's start from the default", () => {
    const current = schema([table('old'), table('t', ['id', 'x'])], [grant('old', 'ro', ['SELECT']), grant('t', 'ro', ['UPDATE'], 'x')]);
    const desired = schema([table('t'), table('fresh')], [grant('fresh', 'ro', ['SELECT'])]);
    expect(grantChanges(diffSchemas({ current, desired }))).toEqual([{ kind: 'setGrants', on: { kind: 'table', name: 'fresh' }, grantee: 'ro', to: ['SELECT'] }]);
  });

  test('a renamed table and column keep their grants, and only what differs is planned', () => {
    const current = schema([table('film', ['id', 'name'])], [grant('film', 'ro', ['SELECT']), grant('film', 'ro', ['UPDATE'], 'name')]);
    const desired = schema([table('movie', ['id', 'title'])], [grant('movie', 'ro', ['SELECT']), grant('movie', 'ro', ['UPDATE', 'SELECT'], 'title')]);
    const renames = { tables: { movie: 'film' }, columns: { movie: { title: 'name' } } };
    expect(grantChanges(diffSchemas({ current, desired, renames }))).toEqual([
      { kind: 'setGrants', on: { kind: 'table', name: 'movie', column: 'title' }, grantee: 'ro', from: ['UPDATE'], to: ['UPDATE', 'SELECT'] },
    ]);
  });

  test('grants on a table an override excludes are left alone on both sides', () => {
    const current = schema([table('t'), table('legacy')], [grant('legacy', 'ro', ['SELECT'])]);
    const desired = schema([table('t')], []);
    expect(grantChanges(diffSchemas({ current, desired, excluded: { ...noExclusions, tables: ['legacy'] } }))).toEqual([]);
  });

  test('grants change the fingerprint, so apply does not take a tenant lacking one as in sync', () => {
    expect(fingerprint(schema([table('t')], [grant('t', 'ro', ['SELECT'])]))).not.toBe(fingerprint(schema([table('t')], [])));
    expect(fingerprint(schema([table('t')], []))).toBe(fingerprint(schema([table('t')])));
  });
});

describe('three-way: a snapshot from before grants were compared', () => {
  test("holds no grants: the tenant's own stand for its base, so they are pending, never drift", () => {
    const base = schema([table('t')]);
    const actual = schema([table('t')], [grant('t', 'ro', ['SELECT'])]);
    const desired = schema([table('t')], [grant('t', 'ro', ['SELECT', 'INSERT'])]);
    const changes = diffSchemas({ current: actual, desired });
    const result = classifyDrift({
      base: { fingerprint: fingerprint(base), schema: () => base },
      actual,
      desired: { schema: desired, renames: { tables: {}, columns: {} }, excluded: noExclusions, overrides: [], sql: [] },
      changes,
    });
    expect(result.status).toBe('pending');
  });
});
