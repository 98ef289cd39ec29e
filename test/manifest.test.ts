import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TenantContext } from '../src/domain/tenant.js';
import {
  canonicalJson,
  desiredFor,
  loadManifest,
  loadOverrides,
  ManifestError,
  manifestDigest,
  parseManifest,
  parseOverride,
  writeManifest,
  type Manifest,
} from '../src/manifest/index.js';
import type { ManifestRules } from '../src/engines/types.js';
import { columnsAddition, makeObjectName, mentionedColumns } from '../src/engines/shared/names.js';
import { naming } from '../src/engines/postgres/names.js';
import { nameTokens } from '../src/engines/postgres/internal/sql-tokens.js';
import { indexKeys } from '../src/engines/postgres/index-keys.js';
import type { SchemaModel, TableModel } from '../src/model/types.js';

const fixtures = fileURLToPath(new URL('./fixtures/manifests/', import.meta.url));
const fixture = (name: string): string => path.join(fixtures, name);
const tenant = (name: string, labels: string[] = []): TenantContext => ({ name, labels });
const FILE = 'schema/manifest.yaml';
/** PostgreSQL's rules for what a manifest leaves unnamed or writes as text. */
const rules: ManifestRules = { naming, indexKeys };
const expressionColumns = (expression: string, columns: readonly string[]): string[] => mentionedColumns(nameTokens(expression), columns);

/** The issues a call throws, formatted as the CLI prints them. */
function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ManifestError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ManifestError');
}

async function problemsAsync(run: () => Promise<unknown>): Promise<string[]> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ManifestError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ManifestError');
}

const manifestOf = (yaml: string): Manifest => parseManifest(yaml, FILE, rules);
const schemaOf = (yaml: string): SchemaModel => desiredFor(tenant('t'), manifestOf(yaml), [], rules).schema;
const tableOf = (yaml: string, name: string): TableModel => schemaOf(yaml).tables.find((t) => t.name === name)!;

describe('manifest -> model', () => {
  it('turns the full example into the model', async () => {
    const manifest = await loadManifest(fixture('full.yaml'), rules);
    const desired = desiredFor(tenant('acme'), manifest, [], rules);
    const { schema } = desired;
    expect(schema.tables.map((t) => t.name)).toEqual(['customers', 'invoices']);
    expect(schema.enums).toEqual([
      { name: 'mood', values: ['happy', 'sad'] },
      { name: 'status', values: ['active', 'closed'], comment: 'Account state' },
    ]);
    expect(schema.sequences).toEqual([
      {
        name: 'invoice_no',
        type: 'bigint',
        start: '1000',
        increment: '1',
        minValue: '1',
        maxValue: '9223372036854775807',
        cache: '1',
        cycle: false,
        ownedBy: { table: 'invoices', column: 'no' },
      },
    ]);
    expect(schema.externalTypes).toEqual(['public.citext', 'year']);
    expect(desired.renames).toEqual({ tables: { customers: 'clients' }, columns: { customers: { old_name: 'legacy_name' } } });
    expect(desired.excluded).toEqual({ tables: [], columns: {}, indexes: {} });
    expect(desired.overrides).toEqual([]);

    const customers = schema.tables[0]!;
    expect(customers.comment).toBe('People who buy');
    expect(customers.columns.map((c) => c.name)).toEqual([
      'id', 'email', 'name', 'total', 'created_at', 'code', 'full', 'first', 'last', 'old_name', 'deleted_at', 'mood',
    ]);
    const column = (name: string) => customers.columns.find((c) => c.name === name);
    expect(column('id')).toEqual({ name: 'id', type: 'serial', nullable: false });
    expect(column('email')).toEqual({ name: 'email', type: 'varchar(255)', nullable: false, collation: 'C', comment: 'Login' });
    expect(column('name')).toEqual({ name: 'name', type: 'text', nullable: true });
    expect(column('total')).toEqual({ name: 'total', type: 'numeric(10,2)', nullable: true, default: '0' });
    expect(column('created_at')).toEqual({ name: 'created_at', type: 'timestamptz', nullable: false, default: 'now()' });
    expect(column('code')).toEqual({ name: 'code', type: 'int', nullable: false, identity: 'always' });
    expect(column('full')).toEqual({ name: 'full', type: 'text', nullable: true, generated: "first || ' ' || last" });
    expect(customers.primaryKey).toEqual({ name: 'customers_pkey', columns: ['id'] });
    expect(customers.uniques).toEqual([
      { name: 'customers_email_key', columns: ['email'] },
      { name: 'customers_name_code_key', columns: ['name', 'code'] },
    ]);
    expect(customers.indexes).toEqual([
      {
        name: 'customers_created',
        unique: false,
        method: 'brin',
        keys: [
          { column: 'created_at', descending: true, nulls: 'last' },
          { expression: 'lower(name)', descending: true, nulls: 'first', collation: 'C', opclass: 'text_pattern_ops' },
        ],
        include: [],
      },
      {
        name: 'customers_lower_email',
        unique: true,
        method: 'btree',
        keys: [{ expression: 'lower(email)' }],
        include: ['name'],
        where: 'deleted_at IS NULL',
      },
      { name: 'customers_name_idx', unique: false, method: 'btree', keys: [{ column: 'name' }], include: [] },
    ]);
    expect(customers.checks).toEqual([{ name: 'positive_total', expression: 'total >= 0' }]);
    expect(customers.foreignKeys).toEqual([]);

    const invoices = schema.tables[1]!;
    expect(invoices.primaryKey).toEqual({ name: 'invoices_pk', columns: ['no'] });
    expect(invoices.columns.find((c) => c.name === 'no')).toEqual({ name: 'no', type: 'bigint', nullable: false, default: "nextval('invoice_no')" });
    // YAML numbers and booleans become SQL text, as written: 1.50 stays 1.50.
    expect(invoices.columns.find((c) => c.name === 'amount')?.default).toBe('1.50');
    expect(invoices.columns.find((c) => c.name === 'paid')?.default).toBe('false');
    expect(invoices.foreignKeys).toEqual([
      {
        name: 'invoices_customer_id_fkey',
        columns: ['customer_id'],
        refTable: 'customers',
        refColumns: ['id'],
        onDelete: 'cascade',
        onUpdate: 'no action',
        deferrable: false,
        initiallyDeferred: false,
      },
      {
        name: 'invoices_region_fkey',
        columns: ['region'],
        refTable: 'geo.regions',
        refColumns: ['code'],
        onDelete: 'set null',
        onUpdate: 'no action',
        match: 'full',
        deferrable: true,
        initiallyDeferred: true,
      },
    ]);
    expect(invoices.checks).toEqual([
      { name: 'amount_cap', expression: 'amount < 1000000' },
      { name: 'invoices_amount_check', expression: 'amount > 0' },
      { name: 'invoices_check', expression: 'amount <> customer_id' },
    ]);
    expect(invoices.options).toEqual({ fillfactor: '70', withoutRowid: true });
  });

  it('accepts the alternative spellings', () => {
    const schema = schemaOf(`
version: 1
tables:
  a:
    columns:
      id: int
      b: int
      c: text
    primaryKey: { name: a_pk, columns: [id, b] }
    uniques:
      - { name: a_c_uq, columns: [c], nullsNotDistinct: true, deferrable: true, initiallyDeferred: true }
    checks:
      b_positive: "b > 0"
    indexes:
      a_quoted: { columns: ['"c" DESC', "c COLLATE \\"C\\" text_pattern_ops", "(b + 1) NULLS FIRST"] }
sequences:
  down: { type: int, increment: -1 }
  small: { type: int2, maxValue: "100", cache: 5, cycle: true }
`);
    const a = schema.tables[0]!;
    expect(a.primaryKey).toEqual({ name: 'a_pk', columns: ['id', 'b'] });
    expect(a.columns.map((c) => c.nullable)).toEqual([false, false, true]);
    expect(a.uniques).toEqual([{ name: 'a_c_uq', columns: ['c'], nullsNotDistinct: true, deferrable: true, initiallyDeferred: true }]);
    expect(a.checks).toEqual([{ name: 'b_positive', expression: 'b > 0' }]);
    expect(a.indexes[0]!.keys).toEqual([
      { column: 'c', descending: true },
      { column: 'c', collation: 'C', opclass: 'text_pattern_ops' },
      { expression: '(b + 1)', nulls: 'first' },
    ]);
    expect(schema.sequences).toEqual([
      { name: 'down', type: 'integer', start: '-1', increment: '-1', minValue: '-2147483648', maxValue: '-1', cache: '1', cycle: false },
      { name: 'small', type: 'smallint', start: '1', increment: '1', minValue: '1', maxValue: '100', cache: '5', cycle: true },
    ]);
  });

  it('several columns marked primaryKey form one key in column order', () => {
    const t = tableOf('version: 1\ntables:\n  t:\n    columns:\n      b: { type: int, primaryKey: true }\n      a: { type: int, primaryKey: true }\n', 't');
    expect(t.primaryKey).toEqual({ name: 't_pkey', columns: ['b', 'a'] });
  });

  it('sorts tables, enums, sequences and constraints by name, keeps column order', () => {
    const schema = schemaOf(`
version: 1
enums: { zeta: [z], alpha: [a] }
sequences: { s2: {}, s1: {} }
tables:
  zoo:
    columns: { z: int, a: int, m: int }
    uniques: [[z], [a]]
    indexes: { zoo_z: { columns: [z] }, zoo_a: { columns: [a] } }
    checks: ["z > 0", "a > 0"]
  ant:
    columns: { id: int }
`);
    expect(schema.tables.map((t) => t.name)).toEqual(['ant', 'zoo']);
    expect(tableOf('version: 1\ntables:\n  t:\n    columns: { b: int, "2024": int, 7: int }\n', 't').columns.map((c) => c.name)).toEqual(['b', '2024', '7']);
    expect(schema.enums.map((e) => e.name)).toEqual(['alpha', 'zeta']);
    expect(schema.sequences.map((s) => s.name)).toEqual(['s1', 's2']);
    const zoo = schema.tables[1]!;
    expect(zoo.columns.map((c) => c.name)).toEqual(['z', 'a', 'm']);
    expect(zoo.uniques.map((u) => u.name)).toEqual(['zoo_a_key', 'zoo_z_key']);
    expect(zoo.indexes.map((i) => i.name)).toEqual(['zoo_a', 'zoo_z']);
    expect(zoo.checks.map((c) => c.name)).toEqual(['zoo_a_check', 'zoo_z_check']);
  });

  it('shares column definitions through YAML anchors and merge keys', () => {
    const t = tableOf(
      `
version: 1
tables:
  t:
    columns:
      created_at: &stamp { type: timestamptz, nullable: false, default: now() }
      updated_at: { <<: *stamp, comment: touched }
`,
      't',
    );
    expect(t.columns[1]).toEqual({ name: 'updated_at', type: 'timestamptz', nullable: false, default: 'now()', comment: 'touched' });
  });
});

describe('default constraint names', () => {
  it('follows PostgreSQL for primary key, unique, foreign key and check', () => {
    const t = tableOf(
      `
version: 1
tables:
  parent: { columns: { id: { type: int, primaryKey: true }, k: int }, uniques: [[id, k]] }
  child:
    columns:
      id: { type: int, primaryKey: true }
      parent_id: { type: int, references: parent.id }
      k: { type: int, unique: true }
      lo: int
      hi: int
    foreignKeys:
      - { columns: [parent_id, k], references: { table: parent, columns: [id, k] } }
    checks:
      - "lo >= 0"
      - "lo <= hi"
      - "\\"hi\\" < 100"
      - "lower('lo') = 'x'"
      - "abs(lo) > length('hi')"
`,
      'child',
    );
    expect(t.primaryKey!.name).toBe('child_pkey');
    expect(t.uniques.map((u) => u.name)).toEqual(['child_k_key']);
    expect(t.foreignKeys.map((f) => f.name)).toEqual(['child_parent_id_fkey', 'child_parent_id_k_fkey']);
    expect(Object.fromEntries(t.checks.map((c) => [c.expression, c.name]))).toEqual({
      'lo >= 0': 'child_lo_check',
      'lo <= hi': 'child_check',
      '"hi" < 100': 'child_hi_check',
      // A column name inside a string literal is not a use of the column.
      "lower('lo') = 'x'": 'child_check1',
      "abs(lo) > length('hi')": 'child_lo_check1',
    });
  });

  it('numbers clashing names on the label, as PostgreSQL does', () => {
    const t = tableOf(
      `
version: 1
tables:
  p: { columns: { id: { type: int, primaryKey: true } } }
  t:
    columns: { a: int, b: int }
    checks: ["a > 0", "a < 10", "a <> 5", { name: t_check, expression: "a + b > 0" }, "b > a"]
    foreignKeys:
      - { columns: [a], references: { table: p, columns: [id] } }
      - { columns: [a], references: { table: p, columns: [id] }, onDelete: cascade }
`,
      't',
    );
    expect(t.checks.map((c) => c.name)).toEqual(['t_a_check', 't_a_check1', 't_a_check2', 't_check', 't_check1']);
    expect(t.foreignKeys.map((f) => [f.name, f.onDelete])).toEqual([
      ['t_a_fkey', 'no action'],
      ['t_a_fkey1', 'cascade'],
    ]);
  });

  it('truncates to 63 bytes, shortening the longer name part first and never the label', () => {
    const table = 'a'.repeat(60);
    expect(makeObjectName(table, undefined, 'pkey')).toBe('a'.repeat(58) + '_pkey');
    expect(makeObjectName(table, 'b'.repeat(10), 'key')).toBe('a'.repeat(48) + '_' + 'b'.repeat(10) + '_key');
    // A tie shortens the second part.
    expect(makeObjectName('a'.repeat(30), 'b'.repeat(30), 'fkey')).toBe('a'.repeat(29) + '_' + 'b'.repeat(28) + '_fkey');
    expect(makeObjectName('short', 'c'.repeat(70), 'check')).toBe('short_' + 'c'.repeat(51) + '_check');
    // Bytes, not characters, and never half a character: é is two bytes in UTF-8.
    const accented = makeObjectName('é'.repeat(40), undefined, 'pkey');
    expect(Buffer.byteLength(accented)).toBeLessThanOrEqual(63);
    expect(accented).toBe('é'.repeat(29) + '_pkey');
    for (const name of [makeObjectName(table, 'b'.repeat(10), 'key'), makeObjectName('short', 'c'.repeat(70), 'check')]) {
      expect(Buffer.byteLength(name)).toBe(63);
    }
    // Column names are joined until NAMEDATALEN bytes are reached, then cut.
    expect(columnsAddition(['x'.repeat(40), 'y'.repeat(40), 'z'])).toBe('x'.repeat(40) + '_' + 'y'.repeat(40));
    expect(naming.constraintName({ kind: 'check', table: 't', expression: 'a > b', tableColumns: ['a', 'b'] }, new Set())).toBe('t_check');
  });

  it('applies truncation to names in a manifest, with a numbered label after a clash', () => {
    const long = 'customer_relationship_management_history_entries_archive'; // 56 bytes
    const primary = 'organisation_identifier_for_the_billing_system_primary'; // 54 bytes
    const secondary = 'organisation_identifier_for_the_billing_system_secondary';
    const schema = schemaOf(`
version: 1
tables:
  ${long}:
    columns:
      id: { type: int, primaryKey: true }
      organisation_identifier: { type: int, unique: true }
  accounts_archive:
    columns: { ${primary}: int, ${secondary}: int }
    checks: ["${primary} > 0", "${secondary} > 0"]
`);
    const [archive, first] = [schema.tables[0]!, schema.tables[1]!];
    expect(first.primaryKey!.name).toBe('customer_relationship_management_history_entries_archive_pkey');
    expect(first.uniques[0]!.name).toBe('customer_relationship_management_hi_organisation_identifier_key');
    // The longer part (the column) is cut, to the same text for both checks; the second gets check1.
    expect(archive.checks.map((c) => [c.expression, c.name])).toEqual([
      [`${primary} > 0`, 'accounts_archive_organisation_identifier_for_the_billing__check'],
      [`${secondary} > 0`, 'accounts_archive_organisation_identifier_for_the_billing_check1'],
    ]);
    for (const name of [first.primaryKey!.name, first.uniques[0]!.name, ...archive.checks.map((c) => c.name)]) {
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    }
  });

  it('finds the columns an expression uses', () => {
    const columns = ['a', 'b', 'Mixed', 'lower'];
    expect(expressionColumns('a > 0 AND b < 1', columns)).toEqual(['a', 'b']);
    expect(expressionColumns('lower(a) = \'b\'', columns)).toEqual(['a']);
    expect(expressionColumns('A::text <> $$b$$ -- b\n', columns)).toEqual(['a']);
    expect(expressionColumns('"Mixed" > 1 /* a */ and t.b = 1', columns)).toEqual(['Mixed', 'b']);
    expect(expressionColumns("E'it\\'s a' = lower", columns)).toEqual(['lower']);
    expect(expressionColumns('1e5 > 2.5', columns)).toEqual([]);
  });

  it('parses index key strings', () => {
    expect(indexKeys.parse('name')).toEqual({ column: 'name' });
    expect(indexKeys.parse('name desc nulls last')).toEqual({ column: 'name', descending: true, nulls: 'last' });
    expect(indexKeys.parse('name ASC')).toEqual({ column: 'name' });
    expect(indexKeys.parse('"Weird ""name"""')).toEqual({ column: 'Weird "name"' });
    expect(indexKeys.parse('lower(email) DESC')).toEqual({ expression: 'lower(email)', descending: true });
    expect(indexKeys.parse('a + b')).toEqual({ expression: 'a + b' });
  });
});

describe('errors name file, line and column', () => {
  it('reports JSON Schema problems in plain words', () => {
    const yaml = `version: 1
tables:
  customers:
    columns:
      email: { type: 5, nulable: false }
      id: { nullable: false }
      x: { type: text, identity: sometimes, references: nodot }
      y: [text]
    primaryKey: 7
    foreignKeys:
      - { columns: [x], references: { table: t, columns: [a] }, onDelete: cascad }
    colums: {}
`;
    expect(problems(() => manifestOf(yaml))).toEqual([
      'schema/manifest.yaml:5:22: tables.customers.columns.email.type: expected a string',
      "schema/manifest.yaml:5:25: tables.customers.columns.email: unknown property 'nulable' (did you mean 'nullable'?)",
      "schema/manifest.yaml:6:11: tables.customers.columns.id: missing required property 'type'",
      'schema/manifest.yaml:7:34: tables.customers.columns.x.identity: expected one of: always, by default',
      "schema/manifest.yaml:7:57: tables.customers.columns.x.references: expected 'table.column' or 'schema.table.column'",
      'schema/manifest.yaml:8:10: tables.customers.columns.y: expected a string or a map',
      'schema/manifest.yaml:9:17: tables.customers.primaryKey: expected a list or a map',
      'schema/manifest.yaml:11:75: tables.customers.foreignKeys[0].onDelete: expected one of: no action, restrict, cascade, set null, set default',
      "schema/manifest.yaml:12:5: tables.customers: unknown property 'colums' (did you mean 'columns'?)",
    ]);
  });

  it('reports a wrong version, a wrong top-level shape and missing keys', () => {
    expect(problems(() => manifestOf('version: 2\ntables: []\n'))).toEqual([
      'schema/manifest.yaml:1:10: version: expected 1',
      'schema/manifest.yaml:2:9: tables: expected a map',
    ]);
    expect(problems(() => manifestOf('tables:\n  t:\n    comment: x\n'))).toEqual([
      "schema/manifest.yaml:1:1: missing required property 'version'",
      "schema/manifest.yaml:3:5: tables.t: missing required property 'columns'",
    ]);
    expect(problems(() => manifestOf('- version: 1\n'))).toEqual(['schema/manifest.yaml:1:1: expected a map']);
    expect(problems(() => manifestOf('version: 1\ntables:\n  t:\n    columns: { a: { type: int, default: [1], nullable: 3 } }\nsequences:\n  s: { start: 1.5 }\n'))).toEqual([
      'schema/manifest.yaml:4:41: tables.t.columns.a.default: expected a string, a number or a boolean',
      'schema/manifest.yaml:4:56: tables.t.columns.a.nullable: expected true or false',
      'schema/manifest.yaml:6:15: sequences.s.start: expected a whole number or a string',
    ]);
    expect(problems(() => manifestOf('version: 1\ntables:\n  t:\n    columns: { id: int }\n    indexes: { i: { columns: [] } }\n    uniques: [[]]\n'))).toEqual([
      'schema/manifest.yaml:5:30: tables.t.indexes.i.columns: must not be empty',
      'schema/manifest.yaml:6:15: tables.t.uniques[0]: must not be empty',
    ]);
  });

  it('points at the key of a column written with nothing after it', () => {
    expect(problems(() => manifestOf('version: 1\ntables:\n  t:\n    columns:\n      id: int\n      name:\n'))).toEqual([
      'schema/manifest.yaml:6:7: tables.t.columns.name: expected a string or a map',
    ]);
  });

  it('explains a comma inside a flow map', () => {
    expect(problems(() => manifestOf('version: 1\ntables:\n  t:\n    columns:\n      total: { type: numeric(10,2), default: 0 }\n'))).toEqual([
      "schema/manifest.yaml:5:33: tables.t.columns.total: unknown property '2)' (a comma inside { } ends the value: put the value in quotes, e.g. \"numeric(10,2)\")",
    ]);
  });

  it('reports YAML syntax errors with positions', () => {
    expect(problems(() => manifestOf('version: 1\ntables:\n  a: { columns: { id: int, id: text } }\n'))).toEqual([
      'schema/manifest.yaml:3:28: Map keys must be unique',
    ]);
    const [unclosed] = problems(() => manifestOf('version: 1\ntables:\n  a:\n    columns:\n      id: { type: int\n'));
    expect(unclosed).toMatch(/^schema\/manifest\.yaml:6:1: Flow map .* end with a }$/);
    expect(problems(() => manifestOf('version: 1\n---\nversion: 1\n'))[0]).toMatch(/^schema\/manifest\.yaml:2:1: a second YAML document starts here/);
    expect(problems(() => manifestOf('version: 1\n  tables: x\n'))).toEqual([
      'schema/manifest.yaml:1:10: Nested mappings are not allowed in compact mappings',
      'schema/manifest.yaml:1:10: Implicit keys need to be on a single line',
    ]);
  });

  it('reports a missing file, an empty file and a bad file by the path given', async () => {
    expect(await problemsAsync(() => loadManifest('no/such/manifest.yaml', rules))).toEqual(['no/such/manifest.yaml: file not found']);
    expect(problems(() => manifestOf('# just a comment\n'))).toEqual(["schema/manifest.yaml:1:1: the file is empty: a manifest starts with 'version: 1'"]);
    const file = path.relative(process.cwd(), fixture('bad-type.yaml'));
    const error = await loadManifest(file, rules).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect((error as ManifestError).name).toBe('ManifestError');
    expect((error as ManifestError).issues).toEqual([
      { file, line: 5, column: 22, path: 'tables.customers.columns.email.type', message: 'tables.customers.columns.email.type: expected a string' },
    ]);
    expect((error as ManifestError).message).toBe(`${file}:5:22: tables.customers.columns.email.type: expected a string`);
  });

  it('reports semantic problems', () => {
    const yaml = `version: 1
tables:
  a:
    columns:
      id: { type: int, primaryKey: true }
      x: text
    primaryKey: [id, nope]
    indexes:
      i1: { columns: [ghost, "lower(x)", {column: id, expression: x}, {column: gone}], include: [zz] }
      a_uq: { columns: [id] }
    uniques: [[ghost2], { name: a_uq, columns: [x] }, [x, x]]
    foreignKeys:
      - { columns: [id], references: { table: nowhere, columns: [id] } }
      - { columns: [id], references: { table: b, columns: [nope, id] } }
      - { columns: [x], references: { table: other.b, columns: [id] }, initiallyDeferred: true }
    checks:
      - { name: c1, expression: "x > 0" }
      - { name: c1, expression: "x < 0" }
  b:
    renamedFrom: a
    columns:
      id: { type: int, renamedFrom: id, identity: always, default: 1, onDelete: cascade }
      y: { type: int, renamedFrom: z, nullable: true, primaryKey: true }
      w: { type: int, renamedFrom: z, generated: "y * 2", default: 3 }
      v: { type: int, identity: "by default", nullable: true, references: a.nope }
  c:
    renamedFrom: a2
    columns: { id: { type: int, nullable: true } }
    primaryKey: [id]
  d:
    renamedFrom: a2
    columns: { id: int }
enums:
  a: [x, y, x]
  e: { values: [p, p] }
sequences:
  s: { increment: 0, ownedBy: b.q, maxValue: 99999999999999999999 }
  t: { type: smallint, minValue: 10, maxValue: 5 }
  u: { start: 0, ownedBy: zz.id, cache: 0 }
`;
    expect(problems(() => manifestOf(yaml))).toEqual([
      "schema/manifest.yaml:7:17: tables.a.primaryKey: primary key given twice: here and by primaryKey on column 'id'",
      "schema/manifest.yaml:7:22: tables.a.primaryKey[1]: unknown column 'nope' in the primary key of table 'a'",
      "schema/manifest.yaml:9:23: tables.a.indexes.i1.columns[0]: unknown column 'ghost' in table 'a' (an expression needs more than a name)",
      'schema/manifest.yaml:9:42: tables.a.indexes.i1.columns[2]: give either column or expression',
      "schema/manifest.yaml:9:80: tables.a.indexes.i1.columns[3].column: unknown column 'gone' in table 'a'",
      "schema/manifest.yaml:9:98: tables.a.indexes.i1.include[0]: unknown column 'zz' in the include list of index 'i1' of table 'a'",
      "schema/manifest.yaml:10:7: tables.a.indexes.a_uq: index name 'a_uq' is already used by a constraint's index of table 'a'",
      "schema/manifest.yaml:11:16: tables.a.uniques[0][0]: unknown column 'ghost2' in a unique constraint of table 'a'",
      "schema/manifest.yaml:11:59: tables.a.uniques[2][1]: column 'x' is listed twice",
      "schema/manifest.yaml:13:47: tables.a.foreignKeys[0].references.table: unknown table 'nowhere' (write schema.table for a table outside the manifest)",
      'schema/manifest.yaml:14:59: tables.a.foreignKeys[1].references.columns: a foreign key of 1 column(s) must reference 1 column(s), not 2',
      "schema/manifest.yaml:14:60: tables.a.foreignKeys[1].references.columns[0]: unknown column 'nope' in table 'b'",
      'schema/manifest.yaml:15:91: tables.a.foreignKeys[2].initiallyDeferred: initiallyDeferred needs deferrable: true',
      "schema/manifest.yaml:18:9: tables.a.checks[1]: name 'c1' is already used by a check constraint of table 'a'",
      "schema/manifest.yaml:20:18: tables.b.renamedFrom: table 'a' is still in the manifest, so 'b' cannot be renamed from it",
      'schema/manifest.yaml:22:37: tables.b.columns.id.renamedFrom: renamedFrom names the column itself',
      'schema/manifest.yaml:22:68: tables.b.columns.id.default: an identity column cannot also have a default',
      'schema/manifest.yaml:22:81: tables.b.columns.id.onDelete: onDelete needs references on the same column',
      'schema/manifest.yaml:23:49: tables.b.columns.y.nullable: a primary key column cannot be nullable',
      "schema/manifest.yaml:24:36: tables.b.columns.w.renamedFrom: column 'y' is already renamed from 'z'",
      'schema/manifest.yaml:24:68: tables.b.columns.w.default: a generated column cannot also have a default',
      'schema/manifest.yaml:25:57: tables.b.columns.v.nullable: an identity column cannot be nullable',
      "schema/manifest.yaml:25:75: tables.b.columns.v.references: unknown column 'nope' in table 'a'",
      "schema/manifest.yaml:29:18: tables.c.primaryKey[0]: column 'id' is nullable: true, but a primary key column cannot be nullable",
      "schema/manifest.yaml:31:18: tables.d.renamedFrom: table 'c' is already renamed from 'a2'",
      "schema/manifest.yaml:34:3: enums.a: enum 'a' has the name of a table (a table's row type takes that name)",
      "schema/manifest.yaml:34:13: enums.a[2]: value 'x' is listed twice",
      "schema/manifest.yaml:35:20: enums.e.values[1]: value 'p' is listed twice",
      'schema/manifest.yaml:37:19: sequences.s.increment: increment must not be zero',
      "schema/manifest.yaml:37:31: sequences.s.ownedBy: unknown column 'q' in table 'b'",
      'schema/manifest.yaml:37:46: sequences.s.maxValue: 99999999999999999999 is out of range for bigint',
      'schema/manifest.yaml:38:34: sequences.t.minValue: minValue (10) must be less than maxValue (5)',
      'schema/manifest.yaml:39:15: sequences.u.start: start (0) must lie between minValue (1) and maxValue (9223372036854775807)',
      "schema/manifest.yaml:39:27: sequences.u.ownedBy: unknown table 'zz'",
      'schema/manifest.yaml:39:41: sequences.u.cache: cache must be at least 1',
    ]);
  });

  it('does not check types: the engine does', () => {
    expect(tableOf('version: 1\ntables:\n  t:\n    columns: { a: no_such_type }\n', 't').columns[0]!.type).toBe('no_such_type');
  });
});

describe('overrides', () => {
  const load = async () => ({
    manifest: await loadManifest(fixture('base.yaml'), rules),
    overrides: await loadOverrides(fixture('overrides')),
  });

  it('loads *.yaml and *.yml in file-name order, skipping hidden and other files', async () => {
    const { overrides } = await load();
    expect(overrides.map((o) => o.name)).toEqual(['10-enterprise.yaml', '20-big.yaml', '30-legacy.yml']);
    expect(overrides[0]!.file).toBe(path.join(fixture('overrides'), '10-enterprise.yaml'));
  });

  it('a missing directory means no overrides', async () => {
    expect(await loadOverrides(fixture('no-such-dir'))).toEqual([]);
  });

  it('reports every bad override file, and one that selects nobody', async () => {
    const dir = path.relative(process.cwd(), fixture('bad-overrides'));
    expect(await problemsAsync(() => loadOverrides(dir))).toEqual([
      `${dir}/a.yaml:1:1: an override must say whom it applies to: give 'tenants', 'labels' or both`,
      `${dir}/b.yaml:2:9: labels: expected a list`,
      `${dir}/b.yaml:4:3: exclude: unknown property 'table' (did you mean 'tables'?)`,
    ]);
  });

  it('rejects an override whose selection is empty', () => {
    expect(problems(() => parseOverride('tenants: []\nlabels: []\n', 'o.yaml'))).toEqual([
      "o.yaml:1:1: an override must say whom it applies to: give 'tenants', 'labels' or both",
    ]);
  });

  it('applies nothing to a tenant no override selects', async () => {
    const { manifest, overrides } = await load();
    const desired = desiredFor(tenant('small_1'), manifest, overrides, rules);
    expect(desired.overrides).toEqual([]);
    expect(desired).toEqual(desiredFor(tenant('small_1'), manifest, [], rules));
  });

  it('selects by label', async () => {
    const { manifest, overrides } = await load();
    const desired = desiredFor(tenant('globex', ['enterprise']), manifest, overrides, rules);
    expect(desired.overrides).toEqual(['10-enterprise.yaml']);
    const names = desired.schema.tables.map((t) => t.name);
    expect(names).toEqual(['audit_log', 'customers', 'legacy_import']);
    const customers = desired.schema.tables.find((t) => t.name === 'customers')!;
    expect(customers.columns.map((c) => c.name)).toEqual(['id', 'email', 'old_col', 'vip']);
    expect(customers.columns[3]).toEqual({ name: 'vip', type: 'boolean', nullable: true, default: 'false' });
    expect(desired.schema.enums).toEqual([{ name: 'mood', values: ['happy', 'sad', 'meh'] }]);
  });

  it('selects by name glob, applies in file-name order and merges exclusions', async () => {
    const { manifest, overrides } = await load();
    const desired = desiredFor(tenant('big_corp', ['enterprise']), manifest, overrides, rules);
    expect(desired.overrides).toEqual(['10-enterprise.yaml', '20-big.yaml', '30-legacy.yml']);
    const customers = desired.schema.tables.find((t) => t.name === 'customers')!;
    // 20-big replaces the vip column 10-enterprise added, in place; old_col is excluded.
    expect(customers.columns).toEqual([
      { name: 'id', type: 'serial', nullable: false },
      { name: 'email', type: 'citext', nullable: false },
      { name: 'vip', type: 'smallint', nullable: true, default: '0' },
    ]);
    expect(customers.indexes.map((i) => i.name)).toEqual(['customers_email_idx', 'customers_vip_idx']);
    expect(customers.checks).toEqual([{ name: 'vip_range', expression: 'vip BETWEEN 0 AND 9' }]);
    expect(desired.schema.tables.map((t) => t.name)).toEqual(['audit_log', 'customers']);
    expect(desired.excluded).toEqual({ tables: ['legacy_import'], columns: { customers: ['old_col'] }, indexes: { customers: ['some_idx'] } });

    const acme = desiredFor(tenant('acme'), manifest, overrides, rules);
    expect(acme.overrides).toEqual(['20-big.yaml']);
    expect(acme.excluded).toEqual({ tables: [], columns: { customers: ['old_col'] }, indexes: {} });
    expect(acme.schema.tables.map((t) => t.name)).toEqual(['customers', 'legacy_import']);
  });

  it('matches globs against the whole name', async () => {
    const { manifest, overrides } = await load();
    expect(desiredFor(tenant('not_big_x'), manifest, overrides, rules).overrides).toEqual([]);
    expect(desiredFor(tenant('acme2'), manifest, overrides, rules).overrides).toEqual([]);
    expect(desiredFor(tenant('legacy'), manifest, overrides, rules).overrides).toEqual(['30-legacy.yml']);
  });

  it('is deterministic: same inputs, same JSON, byte for byte', async () => {
    const first = await load();
    const second = await load();
    const a = JSON.stringify(desiredFor(tenant('big_corp', ['enterprise']), first.manifest, first.overrides, rules));
    const b = JSON.stringify(desiredFor(tenant('big_corp', ['enterprise']), second.manifest, second.overrides, rules));
    expect(a).toBe(b);
    // Label order does not matter either.
    const c = JSON.stringify(desiredFor(tenant('big_corp', ['x', 'enterprise']), second.manifest, second.overrides, rules));
    expect(c).toBe(a);
  });

  it('checks an override against the manifest, with the override file position', () => {
    const manifest = manifestOf('version: 1\ntables:\n  t:\n    columns: { id: int }\n');
    const override = parseOverride(
      `tenants: ["*"]
tables:
  t:
    indexes:
      t_x: { columns: [x] }
  u:
    comment: no columns
`,
      'overrides/o.yaml',
    );
    expect(problems(() => desiredFor(tenant('a'), manifest, [override], rules))).toEqual([
      "overrides/o.yaml:5:24: tables.t.indexes.t_x.columns[0]: unknown column 'x' in table 't' (an expression needs more than a name)",
      "overrides/o.yaml:7:5: tables.u: table 'u' is not in the manifest, so an override that adds it must give its columns",
    ]);
    // Tenants the override does not select are fine.
    const other = parseOverride('tenants: [b]\ntables:\n  t:\n    indexes: { t_x: { columns: [x] } }\n', 'overrides/p.yaml');
    expect(desiredFor(tenant('a'), manifest, [other], rules).schema.tables[0]!.indexes).toEqual([]);
  });

  it('merges checks by name and replaces other table keys', () => {
    const manifest = manifestOf(`version: 1
tables:
  t:
    comment: base
    columns: { a: int, b: int }
    primaryKey: [a]
    uniques: [[b]]
    checks: { a_pos: "a > 0", b_pos: "b > 0" }
`);
    const override = parseOverride(
      `labels: [x]
tables:
  t:
    comment: changed
    primaryKey: [a, b]
    uniques: []
    checks: [{ name: a_pos, expression: "a >= 0" }, "a < b"]
`,
      'o.yaml',
    );
    const t = desiredFor(tenant('n', ['x']), manifest, [override], rules).schema.tables[0]!;
    expect(t.comment).toBe('changed');
    expect(t.primaryKey).toEqual({ name: 't_pkey', columns: ['a', 'b'] });
    expect(t.uniques).toEqual([]);
    expect(t.checks).toEqual([
      { name: 'a_pos', expression: 'a >= 0' },
      { name: 'b_pos', expression: 'b > 0' },
      { name: 't_check', expression: 'a < b' },
    ]);
  });

  it('drops rename hints of excluded objects', () => {
    const manifest = manifestOf(`version: 1
tables:
  t: { renamedFrom: t0, columns: { a: { type: int, renamedFrom: a0 }, b: { type: int, renamedFrom: b0 } } }
  u: { renamedFrom: u0, columns: { id: int } }
`);
    expect(desiredFor(tenant('n'), manifest, [], rules).renames).toEqual({
      tables: { t: 't0', u: 'u0' },
      columns: { t: { a: 'a0', b: 'b0' } },
    });
    const override = parseOverride('tenants: [n]\nexclude: { tables: [u], columns: { t: [a] } }\n', 'o.yaml');
    expect(desiredFor(tenant('n'), manifest, [override], rules).renames).toEqual({ tables: { t: 't0' }, columns: { t: { b: 'b0' } } });
  });
});

describe('manifestDigest and canonicalJson', () => {
  it('writes sorted keys without whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }, null], e: Number.NaN })).toBe('{"a":[{"c":"x"},null],"b":1,"e":null}');
  });

  it('depends on content, not on formatting or comments', async () => {
    const a = manifestOf('version: 1\ntables:\n  t: { columns: { id: int } }\n');
    const b = manifestOf('# a comment\nversion: 1\ntables:\n  t:\n    columns:\n      id: int   # same\n');
    const c = manifestOf('version: 1\ntables:\n  t: { columns: { id: bigint } }\n');
    expect(manifestDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(manifestDigest(a)).toBe(manifestDigest(b));
    expect(manifestDigest(a)).not.toBe(manifestDigest(c));
    const { overrides } = { overrides: await loadOverrides(fixture('overrides')) };
    expect(manifestDigest(a, overrides)).not.toBe(manifestDigest(a));
    expect(manifestDigest(a, overrides)).toBe(manifestDigest(b, await loadOverrides(fixture('overrides'))));
  });
});

describe('writeManifest', () => {
  const long = 'customer_relationship_management_history_entries_archive';
  const longUnique = makeObjectName(long, 'organisation_identifier', 'key');
  const rich: SchemaModel = {
    tables: [
      {
        name: 'accounts',
        comment: 'Who pays',
        columns: [
          { name: 'id', type: 'bigint', nullable: false, identity: 'by default' },
          { name: 'email', type: 'character varying(255)', nullable: false, collation: 'C', comment: 'login' },
          { name: 'status', type: 'status', nullable: false, default: "'active'::status" },
          { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
          { name: 'score', type: 'numeric(5,2)', nullable: true, default: '1.50' },
          { name: 'ratio', type: 'double precision', nullable: true, default: '0.5' },
          { name: 'flag', type: 'boolean', nullable: true, default: 'true' },
          { name: 'big', type: 'bigint', nullable: true, default: '9007199254740993' },
          { name: 'neg', type: 'integer', nullable: true, default: '-1' },
          { name: 'name', type: 'text', nullable: true },
          { name: '2024', type: 'integer', nullable: true },
          { name: 'label', type: 'text', nullable: true, generated: "upper(name) || ': ' || email" },
          { name: 'yes', type: 'text', nullable: true, default: "'yes'" },
          { name: 'true', type: 'text', nullable: true },
        ],
        primaryKey: { name: 'accounts_pkey', columns: ['id'] },
        uniques: [
          { name: 'accounts_email_key', columns: ['email'] },
          { name: 'accounts_name_status_key', columns: ['name', 'status'], deferrable: true, initiallyDeferred: true },
          { name: 'accounts_name_uq', columns: ['name'], nullsNotDistinct: true },
        ],
        indexes: [
          {
            name: 'accounts_gin',
            unique: false,
            method: 'gin',
            keys: [{ expression: "to_tsvector('simple'::regconfig, name)" }],
            include: [],
          },
          {
            name: 'accounts_lower_email',
            unique: true,
            method: 'btree',
            keys: [{ expression: 'lower((email)::text)' }],
            include: [],
            where: '(status <> \'closed\'::status)',
          },
          {
            name: 'accounts_multi',
            unique: false,
            method: 'btree',
            keys: [
              { column: 'created_at', descending: true, nulls: 'last' },
              { expression: '(score * (2)::numeric)', descending: true },
              { column: 'name', collation: 'C', opclass: 'text_pattern_ops' },
              { column: 'true' },
              { expression: 'x desc' },
            ],
            include: ['email'],
          },
        ],
        foreignKeys: [],
        checks: [
          { name: 'accounts_check', expression: '((score < (100)::numeric) OR flag)' },
          { name: 'accounts_score_check', expression: '(score >= (0)::numeric)' },
          { name: 'custom_check', expression: '(length(name) > 0)' },
        ],
      },
      {
        name: long,
        columns: [
          { name: 'organisation_identifier', type: 'integer', nullable: true },
          { name: 'n', type: 'integer', nullable: true },
        ],
        uniques: [{ name: longUnique, columns: ['organisation_identifier'] }],
        indexes: [],
        foreignKeys: [],
        checks: [{ name: makeObjectName(long, 'n', 'check'), expression: 'n > 0' }],
      },
      { name: 'empty', columns: [], uniques: [], indexes: [], foreignKeys: [], checks: [] },
      {
        name: 'orders',
        comment: 'What they buy',
        columns: [
          { name: 'account_id', type: 'bigint', nullable: false },
          { name: 'no', type: 'integer', nullable: false },
          { name: 'parent_no', type: 'integer', nullable: true },
          { name: 'ledger_id', type: 'integer', nullable: true },
          { name: 'x', type: 'integer', nullable: true },
        ],
        primaryKey: { name: 'orders_pk', columns: ['account_id', 'no'] },
        uniques: [],
        indexes: [],
        foreignKeys: [
          {
            name: 'orders_account_id_fkey',
            columns: ['account_id'],
            refTable: 'accounts',
            refColumns: ['id'],
            onDelete: 'cascade',
            onUpdate: 'no action',
            deferrable: false,
            initiallyDeferred: false,
          },
          {
            name: 'orders_ledger_id_fkey',
            columns: ['ledger_id'],
            refTable: 'billing.ledgers',
            refColumns: ['id'],
            onDelete: 'no action',
            onUpdate: 'set null',
            deferrable: false,
            initiallyDeferred: false,
          },
          {
            name: 'orders_parent_fk',
            columns: ['account_id', 'parent_no'],
            refTable: 'orders',
            refColumns: ['account_id', 'no'],
            onDelete: 'restrict',
            onUpdate: 'no action',
            match: 'full',
            deferrable: true,
            initiallyDeferred: false,
          },
          {
            name: 'orders_x_fkey',
            columns: ['x'],
            refTable: 'accounts',
            refColumns: ['id'],
            onDelete: 'no action',
            onUpdate: 'no action',
            deferrable: true,
            initiallyDeferred: true,
          },
        ],
        checks: [
          // Equal to the default of the check in t2, but used twice, so written out.
          { name: 'orders_no_check', expression: '(no > 0)' },
        ],
        options: { fillfactor: '70', withoutRowid: true },
      },
      {
        name: 't2',
        columns: [{ name: 'no', type: 'integer', nullable: true }],
        uniques: [{ name: 'orders_no_check', columns: ['no'] }],
        indexes: [],
        foreignKeys: [],
        checks: [{ name: 't2_no_check1', expression: 'no > 1' }],
      },
      { name: 'tags', columns: [{ name: 'tag', type: 'text', nullable: true }], uniques: [], indexes: [], foreignKeys: [], checks: [] },
    ],
    enums: [
      { name: 'mood', values: ['happy', 'sad', 'yes', 'null'], comment: 'How it feels' },
      { name: 'status', values: ['active', 'closed'] },
    ],
    sequences: [
      { name: 'counter', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false },
      {
        name: 'custom',
        type: 'smallint',
        start: '5',
        increment: '5',
        minValue: '5',
        maxValue: '30000',
        cache: '10',
        cycle: true,
        ownedBy: { table: 'orders', column: 'no' },
      },
      { name: 'down', type: 'integer', start: '-1', increment: '-1', minValue: '-2147483648', maxValue: '-1', cache: '1', cycle: false },
      { name: 'huge', type: 'bigint', start: '9007199254740993', increment: '2', minValue: '-9223372036854775808', maxValue: '9223372036854775806', cache: '1', cycle: false },
    ],
    externalTypes: ['public.citext', 'year'],
  };

  it('round-trips a rich schema', async () => {
    const text = writeManifest({ ...rich, unmanaged: [{ kind: 'view', name: 'active_accounts' }, { kind: 'trigger', name: 'accounts.audit' }] }, rules);
    const dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-manifest-'));
    try {
      const file = path.join(dir, 'manifest.yaml');
      await writeFile(file, text);
      const back = desiredFor(tenant('any'), await loadManifest(file, rules), [], rules);
      expect(back.schema).toStrictEqual(rich);
      expect(back.renames).toEqual({ tables: {}, columns: {} });
      expect(await readFile(file, 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes compact, readable YAML', () => {
    const text = writeManifest({ ...rich, unmanaged: [{ kind: 'view', name: 'active_accounts' }, { kind: 'trigger', name: 'accounts.audit' }] }, rules);
    const lines = text.split('\n');
    expect(lines[0]).toBe('# yaml-language-server: $schema=../node_modules/schema-sync/schemas/manifest.schema.json');
    expect(lines[1]).toBe('version: 1');
    expect(text).toContain('      id: { type: bigint, primaryKey: true, identity: by default }');
    expect(text).toContain('      name: text\n');
    expect(text).toContain('      email: { type: character varying(255), nullable: false, unique: true, collation: C, comment: login }');
    expect(text).toContain('      account_id: { type: bigint, references: accounts.id, onDelete: cascade }');
    expect(text).toContain('      no: integer\n');
    expect(text).toContain('      ledger_id: { type: integer, references: billing.ledgers.id, onUpdate: set null }');
    expect(text).toContain('    primaryKey: { name: orders_pk, columns: [ account_id, no ] }');
    expect(text).toContain('  counter: {}');
    expect(text).toContain('  status: [ active, closed ]');
    // Default names are left out; names that differ, or are used twice, are kept.
    expect(text).not.toContain('accounts_pkey');
    expect(text).not.toContain('accounts_score_check');
    expect(text).not.toContain(longUnique);
    expect(text).toContain('custom_check');
    expect(text).toContain('name: orders_no_check');
    expect(text).toContain('t2_no_check1');
    expect(text.endsWith('# Not managed by schema-sync (reported, never changed or dropped):\n#   trigger: accounts.audit\n#   view: active_accounts\n')).toBe(true);
    expect(writeManifest(rich, rules, { schemaUrl: 'https://example.test/m.json' }).split('\n')[0]).toBe('# yaml-language-server: $schema=https://example.test/m.json');
  });

  it('round-trips the full example', async () => {
    const desired = desiredFor(tenant('a'), await loadManifest(fixture('full.yaml'), rules), [], rules);
    const back = desiredFor(tenant('a'), manifestOf(writeManifest(desired.schema, rules)), [], rules);
    expect(back.schema).toStrictEqual(desired.schema);
  });
});

describe('partitions, settings and comments in the manifest', () => {
  const column = (name: string, type: string, extra: Partial<SchemaModel['tables'][number]['columns'][number]> = {}) => ({ name, type, nullable: true, ...extra });
  const schema: SchemaModel = {
    tables: [
      {
        name: 'events',
        columns: [
          column('id', 'bigint', { nullable: false, identity: 'always', identityOptions: { start: '1000', increment: '10', minValue: '1', maxValue: '9223372036854775807', cache: '20', cycle: false } }),
          column('at', 'timestamp with time zone', { nullable: false, statistics: 500 }),
          column('body', 'text', { storage: 'external', compression: 'lz4', options: { n_distinct: '-0.5' }, comment: 'payload' }),
        ],
        primaryKey: { name: 'events_pkey', columns: ['at', 'id'], comment: 'one per instant' },
        uniques: [],
        indexes: [{ name: 'events_body_idx', unique: false, method: 'btree', keys: [{ column: 'body' }], include: [], comment: 'by body' }],
        foreignKeys: [],
        checks: [{ name: 'events_id_check', expression: '(id > 0)', comment: 'positive' }],
        partitionBy: 'RANGE (at)',
      },
      {
        name: 'events_2024',
        columns: [
          column('id', 'bigint', { nullable: false }),
          column('at', 'timestamp with time zone', { nullable: false }),
          column('body', 'text', { storage: 'external', default: "'none'::text", statistics: 10 }),
        ],
        uniques: [],
        indexes: [{ name: 'events_2024_id_idx', unique: false, method: 'btree', keys: [{ column: 'id' }], include: [] }],
        foreignKeys: [{ name: 'events_2024_id_fkey', columns: ['id'], refTable: 'ids', refColumns: ['id'], onDelete: 'no action', onUpdate: 'no action', deferrable: false, initiallyDeferred: false, comment: 'known ids' }],
        checks: [],
        partitionOf: { table: 'events', bound: "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')" },
        storageParameters: { autovacuum_enabled: 'false', fillfactor: '70' },
      },
      {
        name: 'events_other',
        columns: [
          column('id', 'bigint', { nullable: false }),
          column('at', 'timestamp with time zone', { nullable: false }),
          column('body', 'text', { storage: 'external' }),
        ],
        uniques: [],
        indexes: [],
        foreignKeys: [],
        checks: [],
        partitionOf: { table: 'events', bound: 'DEFAULT' },
      },
      {
        name: 'ids',
        columns: [column('id', 'bigint', { nullable: false })],
        primaryKey: { name: 'ids_pkey', columns: ['id'] },
        uniques: [{ name: 'ids_id_key', columns: ['id'], comment: 'again' }],
        indexes: [{ name: 'ids_id_idx', unique: false, method: 'btree', keys: [{ column: 'id' }], include: [], storageParameters: { deduplicate_items: 'off', fillfactor: '80' } }],
        foreignKeys: [],
        checks: [],
        exclusions: [
          { name: 'ids_id_excl', definition: 'EXCLUDE USING btree (id WITH =)', comment: 'once' },
          { name: 'ids_id_excl2', definition: 'EXCLUDE USING btree (id WITH =) DEFERRABLE' },
        ],
        unlogged: true,
        clusterOn: 'ids_id_idx',
        replicaIdentity: { index: 'ids_id_key' },
      },
      {
        name: 'notes',
        columns: [column('body', 'text')],
        uniques: [],
        indexes: [],
        foreignKeys: [],
        checks: [],
        replicaIdentity: 'full',
      },
    ],
    enums: [],
    sequences: [{ name: 'counter', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false, comment: 'counts' }],
  };

  it('round-trip, a partition listing only what differs from its parent', () => {
    const text = writeManifest(schema, rules);
    expect(text).toContain('    partitionBy: RANGE (at)');
    expect(text).toContain("    partitionOf: { table: events, bound: FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00') }");
    expect(text).toContain('  events_other:\n    partitionOf: { table: events, bound: DEFAULT }\n');
    expect(text).toContain("      body: { type: text, default: \"'none'::text\", statistics: 10, storage: external }");
    const partition = text.slice(text.indexOf('  events_2024:'), text.indexOf('  events_other:'));
    expect(partition).toContain('      body:');
    expect(partition).not.toContain('      id:');
    expect(text).toContain('identityOptions: { increment: 10, start: 1000, cache: 20 }');
    expect(text).toContain('ids_id_idx: { columns: [ id ], storageParameters: { deduplicate_items: off, fillfactor: 80 } }');
    expect(text).toContain('    clusterOn: ids_id_idx\n');
    expect(text).toContain('    replicaIdentity: { index: ids_id_key }\n');
    expect(text).toContain('    replicaIdentity: full\n');
    expect(text).toContain('      ids_id_excl2: EXCLUDE USING btree (id WITH =) DEFERRABLE\n');
    const back = desiredFor(tenant('any'), manifestOf(text), [], rules);
    expect(back.schema).toStrictEqual(schema);
  });

  it('refuses a partition column its parent does not have, and a partition of a table that is not partitioned', () => {
    const yaml = [
      'version: 1',
      'tables:',
      '  p: { columns: { a: int }, partitionBy: LIST (a) }',
      '  p1:',
      '    partitionOf: { table: p, bound: "FOR VALUES IN (1)" }',
      '    columns: { b: int }',
      '  q: { columns: { a: int } }',
      '  q1: { partitionOf: { table: q, bound: DEFAULT } }',
      '  r1: { partitionOf: { table: nowhere, bound: DEFAULT } }',
    ].join('\n');
    expect(problems(() => desiredFor(tenant('a'), manifestOf(yaml), [], rules))).toEqual([
      "schema/manifest.yaml:6:16: tables.p1.columns.b: column 'b' is not a column of the partitioned table: a partition has its parent's columns only",
      "schema/manifest.yaml:8:31: tables.q1.partitionOf.table: table 'q' is not partitioned (give it partitionBy)",
      "schema/manifest.yaml:9:31: tables.r1.partitionOf.table: unknown table 'nowhere'",
    ]);
  });

  it('clusterOn and replicaIdentity name an index, key or unique constraint of their table', () => {
    const yaml = [
      'version: 1',
      'tables:',
      '  t:',
      '    columns: { id: { type: int, primaryKey: true }, code: { type: text, nullable: false } }',
      '    indexes: { t_code_idx: { columns: [code], unique: true } }',
      '    clusterOn: t_code_idx',
      '    replicaIdentity: { index: t_pkey }',
      '  u:',
      '    columns: { id: int }',
      '    clusterOn: nowhere',
      '    replicaIdentity: { index: nowhere }',
    ].join('\n');
    expect(problems(() => desiredFor(tenant('a'), manifestOf(yaml), [], rules))).toEqual([
      "schema/manifest.yaml:10:16: tables.u.clusterOn: clusterOn: table 'u' has no index, primary key or unique constraint named 'nowhere'",
      "schema/manifest.yaml:11:31: tables.u.replicaIdentity.index: replicaIdentity: table 'u' has no index, primary key or unique constraint named 'nowhere'",
    ]);
    const good = desiredFor(tenant('a'), manifestOf(yaml.split('\n').slice(0, 7).join('\n')), [], rules);
    expect(good.schema.tables[0]).toMatchObject({ clusterOn: 't_code_idx', replicaIdentity: { index: 't_pkey' } });
  });
});

describe('manifest: classic table inheritance (PostgreSQL INHERITS)', () => {
  const column = (name: string, type: string, extra: Partial<SchemaModel['tables'][number]['columns'][number]> = {}) => ({ name, type, nullable: true, ...extra });
  it('round-trip: a child lists its parents and only the columns it declares itself; its keys may name inherited columns', () => {
    const schema: SchemaModel = {
      tables: [
        {
          name: 'payment',
          columns: [column('id', 'integer', { nullable: false }), column('paid_at', 'timestamp without time zone', { nullable: false })],
          primaryKey: { name: 'payment_pkey', columns: ['id'] },
          uniques: [],
          indexes: [],
          foreignKeys: [],
          checks: [],
        },
        {
          name: 'payment_2007',
          columns: [column('note', 'text')],
          primaryKey: { name: 'payment_2007_pkey', columns: ['id'] },
          uniques: [],
          indexes: [{ name: 'payment_2007_paid_at_idx', unique: false, method: 'btree', keys: [{ column: 'paid_at' }], include: [] }],
          foreignKeys: [],
          checks: [{ name: 'payment_2007_paid_at_check', expression: "(paid_at >= '2007-01-01 00:00:00'::timestamp without time zone)" }],
          inherits: ['payment', 'stamp'],
        },
        { name: 'stamp', columns: [column('by', 'text')], uniques: [], indexes: [], foreignKeys: [], checks: [] },
      ],
      enums: [],
      sequences: [],
    };
    const text = writeManifest(schema, rules);
    expect(text).toContain('    inherits: [ payment, stamp ]');
    const child = text.slice(text.indexOf('  payment_2007:'), text.indexOf('  stamp:'));
    expect(child).not.toContain('paid_at:');
    expect(child).toContain('primaryKey: [ id ]');
    const back = desiredFor(tenant('any'), manifestOf(text), [], rules);
    expect(back.schema).toStrictEqual(schema);
  });

  it('refuses a parent the manifest does not hold (in another schema), a partitioned parent, and a cycle', () => {
    const yaml = [
      'version: 1',
      'tables:',
      '  p: { columns: { a: int }, partitionBy: LIST (a) }',
      '  c1: { inherits: [p] }',
      '  c2: { inherits: [shared.base] }',
      '  c3: { inherits: [c4], columns: { x: int } }',
      '  c4: { inherits: [c3], columns: { y: int } }',
    ].join('\n');
    expect(problems(() => desiredFor(tenant('a'), manifestOf(yaml), [], rules))).toEqual([
      "schema/manifest.yaml:4:20: tables.c1.inherits[0]: table 'p' is partitioned or a partition: PostgreSQL does not let a table inherit from it",
      "schema/manifest.yaml:5:20: tables.c2.inherits[0]: unknown table 'shared.base': a table can inherit only from a table of the same manifest",
      "schema/manifest.yaml:7:20: tables.c4.inherits[0]: table 'c4' cannot inherit from itself",
    ]);
  });
});

describe('JSON Schemas', () => {
  const read = async (name: string): Promise<Record<string, unknown>> =>
    JSON.parse(await readFile(new URL(`../schemas/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;

  /** Every property has a title and a description; every fixed-shape object forbids others. */
  function audit(schema: unknown, where: string, problems: string[]): void {
    if (schema === null || typeof schema !== 'object') return;
    const node = schema as Record<string, unknown>;
    if (node.properties && typeof node.properties === 'object') {
      if (node.additionalProperties !== false) problems.push(`${where}: additionalProperties is not false`);
      for (const [key, value] of Object.entries(node.properties as Record<string, Record<string, unknown>>)) {
        if (typeof value.title !== 'string' || typeof value.description !== 'string') problems.push(`${where}.${key}: no title or description`);
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (Array.isArray(value)) value.forEach((item, i) => audit(item, `${where}.${key}[${i}]`, problems));
      else audit(value, `${where}.${key}`, problems);
    }
  }

  it('describe every property and allow no unknown ones', async () => {
    for (const name of ['manifest.schema.json', 'override.schema.json']) {
      const schema = await read(name);
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      const found: string[] = [];
      audit(schema, name, found);
      expect(found).toEqual([]);
    }
  });

  it("override.schema.json refers to the manifest's definitions instead of copying them", async () => {
    const manifest = (await read('manifest.schema.json')).definitions as Record<string, unknown>;
    const override = await read('override.schema.json');
    expect(Object.keys(override.definitions as object).filter((name) => name in manifest)).toEqual([]);
    const refs: string[] = [];
    const collect = (node: unknown): void => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref') refs.push(value as string);
        else collect(value);
      }
    };
    collect(override);
    const shared = refs.filter((ref) => ref.startsWith('manifest.schema.json#/definitions/'));
    expect(shared.length).toBeGreaterThan(0);
    for (const ref of shared) expect(manifest[ref.slice('manifest.schema.json#/definitions/'.length)], ref).toBeDefined();
    expect(refs.filter((ref) => !ref.startsWith('manifest.schema.json#/definitions/') && ref !== '#/definitions/overrideTable')).toEqual([]);
  });

  it('the manifest and override types are the ones generated from the schemas (npm run schema-types)', async () => {
    const { schemaTypes, schemaTypesFile } = await import('../scripts/schema-types.js');
    expect(await readFile(schemaTypesFile, 'utf8')).toBe(schemaTypes());
  });

  it("an override's tables, enums and sequences are checked by the manifest's definitions, with the override's lines; its tables need no columns", () => {
    const text = `tenants: [a]
tables:
  t:
    comment: only a comment, no columns
  u:
    columns: { x: { type: int, nulable: true } }
    colums: {}
enums: { e: [] }
sequences: { s: { start: 1.5 } }
`;
    expect(problems(() => parseOverride(text, 'overrides/o.yaml'))).toEqual([
      "overrides/o.yaml:6:32: tables.u.columns.x: unknown property 'nulable' (did you mean 'nullable'?)",
      "overrides/o.yaml:7:5: tables.u: unknown property 'colums' (did you mean 'columns'?)",
      'overrides/o.yaml:8:13: enums.e: must not be empty',
      'overrides/o.yaml:9:26: sequences.s.start: expected a whole number or a string',
    ]);
  });
});

describe('defaults YAML unquoted', () => {
  it('names the line of a default that lost its quotes to YAML', async () => {
    const { parseManifest, ManifestError } = await import('../src/manifest/index.js');
    const text = "version: 1\ntables:\n  t:\n    columns:\n      status: { type: text, default: 'new' }\n      at: { type: timestamptz, default: CURRENT_TIMESTAMP }\n      ok: { type: boolean, default: true }\n";
    try {
      parseManifest(text, 'schema/manifest.yaml', rules);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ManifestError);
      expect((error as Error).message).toMatch(/^schema\/manifest\.yaml:5:\d+: tables\.t\.columns\.status\.default: 'new' is SQL here/);
      expect((error as Error).message).not.toContain('columns.at');
    }
  });
});
