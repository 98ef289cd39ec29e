// queries.ts finds a schema's objects through their pg_depend row on the schema (deptype 'n'),
// not by the catalogs' namespace columns, which no index leads with. This holds only if every
// object of the kinds it reads has that row, wherever and however it was made: by CREATE, by
// CREATE OR REPLACE, by an extension's script, implicitly alongside another object, or moved in
// by SET SCHEMA. The server's own catalogs are the oracle here: for every catalog, the objects
// of a user schema that lack the row must be exactly those PostgreSQL makes as part of another
// (indexes, composite types' pg_class rows, arrays, tables' row types), which queries.ts reads
// through their owners.

import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../src/engines/postgres/internal/connect.js';
import { inspectInvalidIndexes, inspectSchemas } from '../src/engines/postgres/internal/inspect.js';
import type { SchemaModel } from '../src/model/types.js';
import { readDump } from './helpers/fixtures.js';
import { createTestDatabase } from './helpers/postgres.js';

/** One object of every kind the inspector reads from a schema, made every way we know of. */
const TENANT = `
CREATE SCHEMA elsewhere;
CREATE SCHEMA tenant_r;
SET search_path TO tenant_r;
CREATE EXTENSION pg_trgm SCHEMA elsewhere;
ALTER EXTENSION pg_trgm SET SCHEMA tenant_r;
CREATE EXTENSION hstore SCHEMA tenant_r;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TYPE pair AS (a integer, b integer);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE COLLATION my_c FROM "C";
CREATE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
CREATE OR REPLACE FUNCTION add_one(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 2';
CREATE FUNCTION mood_eq(mood, mood) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR === (LEFTARG = mood, RIGHTARG = mood, FUNCTION = mood_eq);
CREATE OPERATOR FAMILY my_family USING btree;
CREATE OPERATOR CLASS my_int_ops FOR TYPE integer USING btree AS
  OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 btint4cmp(integer, integer);
CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TEXT SEARCH CONFIGURATION simple_cfg (COPY = pg_catalog.simple);
CREATE TEXT SEARCH DICTIONARY simple_dict (TEMPLATE = pg_catalog.simple);
CREATE CONVERSION my_conv FOR 'LATIN1' TO 'UTF8' FROM pg_catalog.iso8859_1_to_utf8;
CREATE SEQUENCE standalone_seq;
CREATE TABLE accounts (
  id serial PRIMARY KEY,
  n bigint GENERATED ALWAYS AS IDENTITY,
  mood mood,
  body text,
  CHECK (id > 0)
);
CREATE INDEX accounts_body_idx ON accounts (body);
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
CREATE POLICY own_rows ON accounts USING (true);
CREATE STATISTICS accounts_stats (dependencies) ON id, n FROM accounts;
CREATE TABLE ledger (id integer, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ledger_old (id integer NOT NULL, day date NOT NULL);
ALTER TABLE ledger ATTACH PARTITION ledger_old FOR VALUES FROM ('2000-01-01') TO ('2024-01-01');
CREATE TABLE bookings (during tstzrange, EXCLUDE USING gist (during WITH &&));
CREATE RULE bookings_no_delete AS ON DELETE TO bookings DO INSTEAD NOTHING;
CREATE VIEW active_accounts AS SELECT id FROM accounts;
CREATE OR REPLACE VIEW active_accounts AS SELECT id, mood FROM accounts;
CREATE MATERIALIZED VIEW account_counts AS SELECT count(*) FROM accounts;
CREATE INDEX account_counts_idx ON account_counts (count);
CREATE FOREIGN DATA WRAPPER reach_fdw;
CREATE SERVER reach_server FOREIGN DATA WRAPPER reach_fdw;
CREATE FOREIGN TABLE remote_rows (line text) SERVER reach_server;
CREATE TABLE elsewhere.moved (id serial PRIMARY KEY, v text);
CREATE INDEX moved_v_idx ON elsewhere.moved (v);
ALTER TABLE elsewhere.moved SET SCHEMA tenant_r;
CREATE TYPE elsewhere.moved_mood AS ENUM ('x');
ALTER TYPE elsewhere.moved_mood SET SCHEMA tenant_r;
CREATE TYPE elsewhere.moved_pair AS (a integer);
ALTER TYPE elsewhere.moved_pair SET SCHEMA tenant_r;
CREATE FUNCTION elsewhere.moved_fn() RETURNS integer LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION elsewhere.moved_fn() SET SCHEMA tenant_r;
CREATE TABLE leaving (id serial);
ALTER TABLE leaving SET SCHEMA elsewhere;
RESET search_path;
`;

/**
 * The catalogs queries.ts reaches from a schema's side, with their namespace column and what
 * tells an object's kind apart where some kinds lack the dependency.
 */
const catalogs: readonly { catalog: string; namespace: string; kind: string }[] = [
  { catalog: 'pg_class', namespace: 'relnamespace', kind: "'relkind ' || x.relkind::text" },
  {
    catalog: 'pg_type',
    namespace: 'typnamespace',
    kind: `CASE WHEN EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = x.oid) THEN 'array'
                WHEN x.typrelid <> 0 THEN 'row type of relkind ' || (SELECT r.relkind::text FROM pg_class r WHERE r.oid = x.typrelid)
                ELSE 'typtype ' || x.typtype::text END`,
  },
  { catalog: 'pg_proc', namespace: 'pronamespace', kind: "'prokind ' || x.prokind::text" },
  { catalog: 'pg_collation', namespace: 'collnamespace', kind: "'collation'" },
  { catalog: 'pg_operator', namespace: 'oprnamespace', kind: "'operator'" },
  { catalog: 'pg_opclass', namespace: 'opcnamespace', kind: "'operator class'" },
  { catalog: 'pg_opfamily', namespace: 'opfnamespace', kind: "'operator family'" },
  { catalog: 'pg_statistic_ext', namespace: 'stxnamespace', kind: "'statistics'" },
  { catalog: 'pg_ts_config', namespace: 'cfgnamespace', kind: "'text search configuration'" },
  { catalog: 'pg_ts_dict', namespace: 'dictnamespace', kind: "'text search dictionary'" },
  { catalog: 'pg_conversion', namespace: 'connamespace', kind: "'conversion'" },
  { catalog: 'pg_extension', namespace: 'extnamespace', kind: "'extension'" },
];

const userSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'`;

/** Per catalog, the kinds of user-schema objects without a pg_depend row on their schema, and how many have one. */
async function reach(client: pg.Client): Promise<Record<string, { lacking: string[]; reached: number }>> {
  const result: Record<string, { lacking: string[]; reached: number }> = {};
  for (const { catalog, namespace, kind } of catalogs) {
    const { rows } = await client.query<{ kind: string; reached: boolean }>(`
      SELECT ${kind} AS kind,
             EXISTS (SELECT 1 FROM pg_depend d
                     WHERE d.classid = '${catalog}'::regclass AND d.objid = x.oid
                       AND d.refclassid = 'pg_namespace'::regclass AND d.refobjid = x.${namespace}
                       AND d.refobjsubid = 0 AND d.deptype = 'n') AS reached
      FROM ${catalog} x JOIN pg_namespace n ON n.oid = x.${namespace}
      WHERE ${userSchemas}`);
    result[catalog] = {
      lacking: [...new Set(rows.filter((r) => !r.reached).map((r) => r.kind))].sort(),
      reached: rows.filter((r) => r.reached).length,
    };
  }
  return result;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('reach');
  client = await connectClient(db.url);
  await client.query(TENANT);
  // Pagila (a pg_dump of public): views, functions, triggers, domains, partitions, made as a
  // restore makes them.
  await client.query(readDump('pagila/pagila-schema.sql'));
}, 120_000);

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('every object queries.ts reads from a schema has a pg_depend row on it', () => {
  it('but those PostgreSQL makes as part of another, which are read through their owner', async () => {
    const found = await reach(client);
    const lacking = Object.fromEntries(Object.entries(found).map(([catalog, r]) => [catalog, r.lacking]));
    expect(lacking).toEqual({
      // Indexes (read by indrelid), partitioned indexes, and composite types' pg_class rows (read
      // through their pg_type row). TOAST tables live in pg_toast, never in a tenant's schema.
      pg_class: ['relkind I', 'relkind c', 'relkind i'],
      // Arrays and the row types of tables, views and the like; never read as objects.
      pg_type: ['array', 'row type of relkind m', 'row type of relkind p', 'row type of relkind r', 'row type of relkind v', 'row type of relkind f'].sort(),
      pg_proc: [],
      pg_collation: [],
      pg_operator: [],
      pg_opclass: [],
      pg_opfamily: [],
      pg_statistic_ext: [],
      pg_ts_config: [],
      pg_ts_dict: [],
      pg_conversion: [],
      pg_extension: [],
    });
    // Not vacuous: every catalog holds objects of a user schema that were reached.
    for (const [catalog, r] of Object.entries(found)) expect(r.reached, catalog).toBeGreaterThan(0);
  });

  it('a composite type is reached through its pg_type row', async () => {
    const { rows } = await client.query<{ name: string }>(`
      SELECT c.relname AS name
      FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
      JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
        AND d.refclassid = 'pg_namespace'::regclass AND d.refobjid = t.typnamespace AND d.deptype = 'n'
      WHERE t.typnamespace = 'tenant_r'::regnamespace AND c.relkind = 'c'
      ORDER BY 1`);
    expect(rows.map((r) => r.name)).toEqual(['moved_pair', 'pair']);
  });
});

describe('the inspector reads every kind, however the object was made', () => {
  let model: SchemaModel | undefined;
  beforeAll(async () => {
    model = (await inspectSchemas(client, ['tenant_r'])).get('tenant_r');
  });

  it('tables (partitions among them), enums and sequences, moved in ones included, and none that moved out', () => {
    expect(model?.tables.map((t) => t.name)).toEqual(['accounts', 'bookings', 'ledger', 'ledger_2024', 'ledger_old', 'moved']);
    expect(model?.enums.map((e) => e.name)).toEqual(['mood', 'moved_mood']);
    expect(model?.sequences.map((s) => s.name)).toEqual(['accounts_id_seq', 'moved_id_seq', 'standalone_seq']);
  });

  it('unmanaged objects of every kind; an extension once, not its members', () => {
    expect(model?.unmanaged).toEqual([
      { kind: 'collation', name: 'my_c' },
      { kind: 'conversion', name: 'my_conv' },
      { kind: 'extension', name: 'hstore' },
      { kind: 'extension', name: 'pg_trgm' },
      { kind: 'foreign table', name: 'remote_rows' },
      { kind: 'operator', name: '===(mood, mood)' },
      { kind: 'operator class', name: 'my_int_ops (btree)' },
      { kind: 'operator family', name: 'my_family (btree)' },
      { kind: 'operator family', name: 'my_int_ops (btree)' },
      { kind: 'text search configuration', name: 'simple_cfg' },
      { kind: 'text search dictionary', name: 'simple_dict' },
      { kind: 'type', name: 'floatrange' },
    ]);
  });

  it('views, routines, triggers, policies, rules, statistics, domains and composite types, replaced or moved in, and none of an extension', () => {
    expect(model?.objects?.map((o) => (o.table === undefined ? `${o.kind}:${o.name}` : `${o.kind}:${o.table}.${o.name}`))).toEqual([
      'aggregate:total(integer)',
      'composite type:moved_pair',
      'composite type:pair',
      'domain:positive_int',
      'function:add_one(integer)',
      'function:mood_eq(mood, mood)',
      'function:moved_fn()',
      'function:touch()',
      'materialized view:account_counts',
      'policy:accounts.own_rows',
      'procedure:noop()',
      'rule:bookings.bookings_no_delete',
      'statistics:accounts_stats',
      'trigger:accounts.accounts_touch',
      'view:active_accounts',
    ]);
    const object = (name: string) => model?.objects?.find((o) => o.name === name);
    // As last replaced.
    expect(object('add_one(integer)')?.definition).toContain("AS $function$SELECT $1 + 2$function$");
    expect(object('active_accounts')?.definition).toContain('accounts.mood');
    expect(object('account_counts')?.indexes).toEqual(['CREATE INDEX account_counts_idx ON account_counts USING btree (count)']);
  });

  it('the table that moved out is read in its new schema', async () => {
    const elsewhere = (await inspectSchemas(client, ['elsewhere'])).get('elsewhere');
    expect(elsewhere?.tables.map((t) => t.name)).toEqual(['leaving']);
    expect(elsewhere?.unmanaged).toEqual([]);
  });

  it('finds an INVALID index on a moved-in table and on a materialized view', async () => {
    // A unique index built CONCURRENTLY over duplicates fails and stays behind, INVALID.
    await client.query(`INSERT INTO tenant_r.moved (v) VALUES ('twice'), ('twice')`);
    await client.query('CREATE MATERIALIZED VIEW tenant_r.twice AS SELECT 1 AS v UNION ALL SELECT 1');
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY moved_v_key ON tenant_r.moved (v)')).rejects.toThrow(/could not create unique index/);
    await expect(client.query('CREATE UNIQUE INDEX CONCURRENTLY twice_v_key ON tenant_r.twice (v)')).rejects.toThrow(/could not create unique index/);
    expect(await inspectInvalidIndexes(client, 'tenant_r')).toEqual(['moved_v_key', 'twice_v_key']);
  });
});
