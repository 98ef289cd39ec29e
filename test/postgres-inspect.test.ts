import { fixturesDir } from './helpers/fixtures.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SchemaModel, TableModel } from '../src/model/types.js';
import { connectClient, createPool, quoteIdent, quoteLiteral } from '../src/engines/postgres/internal/connect.js';
import {
  checkBody,
  explicitCollations,
  inspectInvalidIndexes,
  CATALOG_SETTINGS,
  inspectInTransaction,
  inspectSchemas,
  readIsolating,
  listSchemas,
  stripSchemaQualifier,
} from '../src/engines/postgres/internal/inspect.js';
import { objectKey } from '../src/model/object-key.js';

const BASE_URL = process.env.SCHEMA_SYNC_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = `ss_inspect_${randomBytes(5).toString('hex')}`;
const PAGILA_DB = `${DB}_pagila`;
const FIXTURES = fixturesDir;

const HOSTILE = 'Tenant "x"; drop';
const APOSTROPHE = "o'reilly";

function urlFor(database: string): string {
  const url = new URL(BASE_URL);
  url.pathname = '/' + database;
  return url.toString();
}

// Expected values are what the server prints (format_type, pg_get_expr), with the tenant's own
// qualifier stripped: nothing in between rewrites them.
const ty = (type: string): string => type;
const ex = (expression: string): string => expression;
const def = (expression: string, _type: string): string | undefined => expression;

function table(model: SchemaModel | undefined, name: string): TableModel {
  const found = model?.tables.find((t) => t.name === name);
  if (found === undefined) throw new Error(`table ${name} not inspected`);
  return found;
}
const column = (t: TableModel, name: string) => t.columns.find((c) => c.name === name);
const sorted = (names: readonly string[]): string[] => [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** The tenant that holds one of everything the model covers, plus unmanaged objects. */
const TENANT_A = `
CREATE SCHEMA shared;
CREATE EXTENSION citext SCHEMA shared;
CREATE TABLE shared.plans (id integer PRIMARY KEY);
CREATE EXTENSION file_fdw SCHEMA public;
CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;

CREATE SCHEMA tenant_a;
SET search_path TO tenant_a;
CREATE EXTENSION pg_trgm SCHEMA tenant_a;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
COMMENT ON TYPE mood IS 'how it feels';
ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
CREATE COLLATION my_c FROM "C";
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TYPE pair AS (a integer, b integer);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE FUNCTION add_one(integer, mood) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT $1 + 1';
CREATE FUNCTION mood_eq(mood, mood) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR === (LEFTARG = mood, RIGHTARG = mood, FUNCTION = mood_eq);
CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1';
CREATE AGGREGATE total(integer) (SFUNC = int4pl, STYPE = integer);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TEXT SEARCH CONFIGURATION simple_cfg (COPY = pg_catalog.simple);
CREATE SEQUENCE standalone_seq AS smallint INCREMENT BY 5 MINVALUE -100 MAXVALUE 1000 START WITH 10 CACHE 3 CYCLE;

CREATE TABLE accounts (
  id serial PRIMARY KEY,
  email text NOT NULL,
  code varchar(20) COLLATE "C",
  label text COLLATE my_c,
  "select" integer DEFAULT add_one(1, 'ok'),
  mood mood DEFAULT 'ok' CHECK (mood <> 'sad'),
  moods mood[],
  handle shared.citext,
  amount positive_int,
  created_at timestamptz NOT NULL DEFAULT now(),
  price numeric(10,2) CONSTRAINT accounts_price_check CHECK (price > 0),
  tags text[],
  doubled integer GENERATED ALWAYS AS ("select" * 2) STORED,
  note text DEFAULT 'tenant_a.not_a_name'
);
COMMENT ON TABLE accounts IS 'the accounts';
COMMENT ON COLUMN accounts.email IS 'login';
ALTER TABLE accounts DROP COLUMN label;
ALTER TABLE accounts ADD COLUMN label text COLLATE my_c;
CREATE INDEX accounts_lower_email_idx ON accounts (lower(email));
CREATE UNIQUE INDEX accounts_email_active_idx ON accounts (email) WHERE note IS NULL;
CREATE INDEX accounts_created_idx ON accounts (created_at DESC NULLS LAST, id NULLS FIRST) INCLUDE (email, price);
CREATE INDEX accounts_created_desc_idx ON accounts (created_at DESC);
CREATE INDEX accounts_tags_idx ON accounts USING gin (tags);
CREATE INDEX accounts_email_trgm_idx ON accounts USING gin (email gin_trgm_ops);
CREATE INDEX accounts_code_pattern_idx ON accounts (code varchar_pattern_ops);
CREATE INDEX accounts_code_upper_idx ON accounts (upper(code) COLLATE "POSIX");
CREATE INDEX accounts_code_lower_idx ON accounts (lower(code));
CREATE INDEX accounts_code_posix_idx ON accounts (code COLLATE "POSIX");
CREATE INDEX accounts_mood_idx ON accounts (mood) WHERE mood = 'happy';
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON accounts USING (true);
CREATE STATISTICS accounts_stats (dependencies) ON id, "select" FROM accounts;

CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY,
  seq integer GENERATED BY DEFAULT AS IDENTITY (START WITH 100),
  account_id integer REFERENCES accounts ON DELETE SET NULL,
  plan_id integer REFERENCES shared.plans,
  day date NOT NULL,
  PRIMARY KEY (day, id)
);
CREATE RULE events_no_delete AS ON DELETE TO events DO INSTEAD NOTHING;

CREATE TABLE memberships (
  account_id integer NOT NULL,
  org text,
  slot integer,
  CONSTRAINT memberships_org_key UNIQUE NULLS NOT DISTINCT (org, slot),
  CONSTRAINT memberships_slot_key UNIQUE (slot) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT memberships_account_slot_key UNIQUE (slot, account_id) DEFERRABLE,
  CONSTRAINT memberships_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id)
    ON DELETE CASCADE ON UPDATE SET NULL
);
ALTER TABLE memberships ADD CONSTRAINT memberships_slot_check CHECK (slot >= 0) NOT VALID;

CREATE TABLE pairs (a integer, b integer, PRIMARY KEY (b, a));
CREATE TABLE pair_refs (
  x integer DEFAULT 0,
  y integer DEFAULT 0,
  CONSTRAINT pair_refs_fkey FOREIGN KEY (y, x) REFERENCES pairs (a, b)
    MATCH FULL ON DELETE RESTRICT ON UPDATE SET DEFAULT DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE ledger (id integer, day date, PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
CREATE TABLE ledger_2024 PARTITION OF ledger FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE ledger_2025 PARTITION OF ledger FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TRIGGER ledger_touch BEFORE UPDATE ON ledger FOR EACH ROW EXECUTE FUNCTION touch();
CREATE TABLE ledger_refs (id integer, day date, CONSTRAINT ledger_refs_fkey FOREIGN KEY (id, day) REFERENCES ledger);
CREATE UNLOGGED TABLE scratch (v text);

CREATE TABLE bookings (during tstzrange, EXCLUDE USING gist (during WITH &&));
CREATE VIEW active_accounts AS SELECT id FROM accounts;
CREATE MATERIALIZED VIEW account_counts AS SELECT count(*) FROM accounts;
CREATE FOREIGN TABLE remote_rows (line text) SERVER files OPTIONS (filename '/dev/null');
RESET search_path;
`;

/** Two tenants of the same shape that differ in one column, and one with hostile names. */
function smallTenant(schema: string, extraColumn: string): string {
  const s = quoteIdent(schema);
  return `
CREATE SCHEMA ${s};
CREATE TYPE ${s}.kind AS ENUM ('a', 'b');
CREATE TABLE ${s}.items (
  id serial PRIMARY KEY,
  "select" text,
  kind ${s}.kind DEFAULT 'a',
  ${extraColumn}
);
CREATE INDEX items_select_idx ON ${s}.items ("select") WHERE kind = 'b';`;
}

let admin: pg.Client;
let client: pg.Client;
let pagila: pg.Client;

beforeAll(async () => {
  admin = await connectClient(BASE_URL);
  await admin.query(`CREATE DATABASE ${quoteIdent(DB)}`);
  await admin.query(`CREATE DATABASE ${quoteIdent(PAGILA_DB)}`);
  client = await connectClient(urlFor(DB));
  await client.query(TENANT_A);
  await client.query(smallTenant('tenant_b', 'weight integer'));
  await client.query(smallTenant('tenant_c', 'weight numeric(8,3) NOT NULL'));
  await client.query(smallTenant(HOSTILE, 'owner text'));
  await client.query(smallTenant(APOSTROPHE, 'owner text'));
  // Chinook's schema is unqualified, so it loads into a tenant schema like any tenant's DDL.
  await client.query('CREATE SCHEMA chinook');
  await client.query('SET search_path TO chinook');
  await client.query(readFileSync(`${FIXTURES}/chinook/postgres.schema.sql`, 'utf8'));
  await client.query('RESET search_path');

  // Pagila is a pg_dump of `public`: its own database. Owners are dropped so any superuser can
  // load it, and psql meta-commands (none in 3.1.0, `\restrict` in newer dumps) are skipped.
  pagila = await connectClient(urlFor(PAGILA_DB));
  const dump = readFileSync(`${FIXTURES}/pagila/pagila-schema.sql`, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('\\') && !/^ALTER .* OWNER TO .*;$/.test(line))
    .join('\n');
  await pagila.query(dump);
}, 30_000);

afterAll(async () => {
  await client?.end();
  await pagila?.end();
  if (admin !== undefined) {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(DB)} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(PAGILA_DB)} WITH (FORCE)`);
    await admin.end();
  }
});

describe('quoting', () => {
  it('always quotes identifiers and doubles inner quotes', () => {
    expect(quoteIdent('users')).toBe('"users"');
    expect(quoteIdent(HOSTILE)).toBe('"Tenant ""x""; drop"');
    expect(() => quoteIdent('')).toThrow();
  });

  it('quotes literals like quote_literal()', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
  });
});

describe('stripSchemaQualifier', () => {
  it('strips identifiers and reg* literals, nothing else', () => {
    const strip = (text: string) => stripSchemaQualifier(text, 'tenant_a.');
    expect(strip("nextval('tenant_a.t_id_seq'::regclass)")).toBe("nextval('t_id_seq'::regclass)");
    expect(strip("'ok'::tenant_a.mood")).toBe("'ok'::mood");
    expect(strip('tenant_a.mood[]')).toBe('mood[]');
    expect(strip("'tenant_a.x'::text")).toBe("'tenant_a.x'::text");
    expect(strip('my_tenant_a.f(x) + "tenant_a.y"')).toBe('my_tenant_a.f(x) + "tenant_a.y"');
    expect(strip('other.f(tenant_a.g(1))')).toBe('other.f(g(1))');
  });

  it('handles quoted schema names, also inside literals', () => {
    expect(stripSchemaQualifier(`nextval('"Tenant A".t_id_seq'::regclass)`, '"Tenant A".')).toBe(
      "nextval('t_id_seq'::regclass)",
    );
    expect(stripSchemaQualifier(`nextval('"o''reilly"."T seq"'::regclass)`, `"o'reilly".`)).toBe(
      `nextval('"T seq"'::regclass)`,
    );
    expect(stripSchemaQualifier('"Tenant A"".x".y', '"Tenant A".')).toBe('"Tenant A"".x".y');
  });

  it('unwraps CHECK clauses and finds explicit index collations', () => {
    expect(checkBody('CHECK ((a > 0)) NOT VALID')).toBe('(a > 0)');
    expect(
      explicitCollations('CREATE INDEX i ON s.t USING btree (lower(a) COLLATE "C" DESC, b, (c || \', \'))', [
        'lower(a)',
        'b',
        "(c || ', ')",
      ]),
    ).toEqual([true, false, false]);
  });
});

describe('inspectSchemas', () => {
  let models: Map<string, SchemaModel>;
  let a: SchemaModel | undefined;

  beforeAll(async () => {
    models = await inspectSchemas(client, ['tenant_a', 'tenant_b', 'missing', HOSTILE, 'tenant_c', APOSTROPHE]);
    a = models.get('tenant_a');
  });

  it('returns one entry per existing schema, none for a missing one', () => {
    expect([...models.keys()]).toEqual(['tenant_a', 'tenant_b', HOSTILE, 'tenant_c', APOSTROPHE]);
    expect(models.has('missing')).toBe(false);
  });

  it('reads columns: serial, identity, generated, collation, comments, defaults', () => {
    const accounts = table(a, 'accounts');
    expect(accounts.comment).toBe('the accounts');
    expect(accounts.columns.map((c) => c.name)).toEqual([
      'id', 'email', 'code', 'select', 'mood', 'moods', 'handle', 'amount', 'created_at',
      'price', 'tags', 'doubled', 'note', 'label',
    ]);
    expect(column(accounts, 'id')).toEqual({
      name: 'id', type: ty('integer'), nullable: false, default: def("nextval('accounts_id_seq'::regclass)", 'integer'),
    });
    expect(column(accounts, 'email')).toEqual({ name: 'email', type: ty('text'), nullable: false, comment: 'login' });
    expect(column(accounts, 'code')).toEqual({
      name: 'code', type: ty('character varying(20)'), nullable: true, collation: 'C',
    });
    expect(column(accounts, 'label')).toEqual({ name: 'label', type: ty('text'), nullable: true, collation: 'my_c' });
    expect(column(accounts, 'select')).toEqual({
      name: 'select', type: ty('integer'), nullable: true, default: def("add_one(1, 'ok'::mood)", 'integer'),
    });
    expect(column(accounts, 'mood')).toEqual({ name: 'mood', type: ty('mood'), nullable: true, default: def("'ok'::mood", 'mood') });
    expect(column(accounts, 'moods')?.type).toBe(ty('mood[]'));
    expect(column(accounts, 'handle')?.type).toBe(ty('shared.citext'));
    expect(column(accounts, 'amount')?.type).toBe(ty('positive_int'));
    expect(column(accounts, 'created_at')).toEqual({
      name: 'created_at', type: ty('timestamp with time zone'), nullable: false, default: def('now()', 'timestamp with time zone'),
    });
    expect(column(accounts, 'price')?.type).toBe(ty('numeric(10,2)'));
    expect(column(accounts, 'tags')?.type).toBe(ty('text[]'));
    expect(column(accounts, 'doubled')).toEqual({
      name: 'doubled', type: ty('integer'), nullable: true, generated: ex('("select" * 2)'),
    });
    expect(column(accounts, 'note')?.default).toBe(def("'tenant_a.not_a_name'::text", 'text'));

    const events = table(a, 'events');
    expect(column(events, 'id')).toEqual({ name: 'id', type: ty('bigint'), nullable: false, identity: 'always' });
    expect(column(events, 'seq')).toEqual({
      name: 'seq', type: ty('integer'), nullable: false, identity: 'by default',
      identityOptions: { start: '100', increment: '1', minValue: '1', maxValue: '2147483647', cache: '1', cycle: false },
    });
    expect(a?.externalTypes).toEqual(sorted([ty('positive_int'), ty('shared.citext')]));
  });

  it('reads primary keys, uniques and checks', () => {
    expect(table(a, 'events').primaryKey).toEqual({ name: 'events_pkey', columns: ['day', 'id'] });
    expect(table(a, 'pairs').primaryKey).toEqual({ name: 'pairs_pkey', columns: ['b', 'a'] });
    const memberships = table(a, 'memberships');
    expect(memberships.uniques).toEqual([
      { name: 'memberships_account_slot_key', columns: ['slot', 'account_id'], deferrable: true },
      { name: 'memberships_org_key', columns: ['org', 'slot'], nullsNotDistinct: true },
      { name: 'memberships_slot_key', columns: ['slot'], deferrable: true, initiallyDeferred: true },
    ]);
    expect(memberships.checks).toEqual([{ name: 'memberships_slot_check', expression: ex('(slot >= 0)'), notValid: true }]);
    expect(table(a, 'accounts').checks).toEqual([
      { name: 'accounts_mood_check', expression: ex("(mood <> 'sad'::mood)") },
      { name: 'accounts_price_check', expression: ex('(price > (0)::numeric)') },
    ]);
    // Constraint-backing indexes are not indexes of their own.
    expect(memberships.indexes).toEqual([]);
  });

  it('reads foreign keys with actions, MATCH FULL, deferrability and other schemas', () => {
    expect(table(a, 'memberships').foreignKeys).toEqual([
      {
        name: 'memberships_account_fkey', columns: ['account_id'], refTable: 'accounts', refColumns: ['id'],
        onDelete: 'cascade', onUpdate: 'set null', deferrable: false, initiallyDeferred: false,
      },
    ]);
    expect(table(a, 'pair_refs').foreignKeys).toEqual([
      {
        name: 'pair_refs_fkey', columns: ['y', 'x'], refTable: 'pairs', refColumns: ['a', 'b'],
        onDelete: 'restrict', onUpdate: 'set default', match: 'full', deferrable: true, initiallyDeferred: true,
      },
    ]);
    expect(table(a, 'events').foreignKeys).toEqual([
      {
        name: 'events_account_id_fkey', columns: ['account_id'], refTable: 'accounts', refColumns: ['id'],
        onDelete: 'set null', onUpdate: 'no action', deferrable: false, initiallyDeferred: false,
      },
      {
        name: 'events_plan_id_fkey', columns: ['plan_id'], refTable: 'shared.plans', refColumns: ['id'],
        onDelete: 'no action', onUpdate: 'no action', deferrable: false, initiallyDeferred: false,
      },
    ]);
    // An FK to a partitioned table has one pg_constraint row per partition besides its own.
    expect(table(a, 'ledger_refs').foreignKeys.map((f) => [f.name, f.refTable])).toEqual([['ledger_refs_fkey', 'ledger']]);
  });

  it('qualifies a foreign key target in another schema as quote_ident does, hostile names included', async () => {
    const other = 'Other "s".x';
    await client.query(`CREATE SCHEMA ${quoteIdent(other)}; CREATE TABLE ${quoteIdent(other)}."Target" (id integer PRIMARY KEY);
      CREATE SCHEMA fk_tenant; CREATE TABLE fk_tenant.refs (id integer REFERENCES ${quoteIdent(other)}."Target");`);
    try {
      const model = (await inspectSchemas(client, ['fk_tenant'])).get('fk_tenant');
      expect(table(model, 'refs').foreignKeys.map((f) => [f.refTable, f.refColumns])).toEqual([['"Other ""s"".x"."Target"', ['id']]]);
    } finally {
      await client.query(`DROP SCHEMA fk_tenant CASCADE; DROP SCHEMA ${quoteIdent(other)} CASCADE`);
    }
  });

  it('reads indexes: expressions, partial, DESC/NULLS, INCLUDE, gin, opclass, collation', () => {
    const byName = new Map(table(a, 'accounts').indexes.map((i) => [i.name, i]));
    expect([...byName.keys()]).toEqual([
      'accounts_code_lower_idx', 'accounts_code_pattern_idx', 'accounts_code_posix_idx', 'accounts_code_upper_idx',
      'accounts_created_desc_idx', 'accounts_created_idx', 'accounts_email_active_idx', 'accounts_email_trgm_idx',
      'accounts_lower_email_idx', 'accounts_mood_idx', 'accounts_tags_idx',
    ]);
    const btree = { unique: false, method: 'btree', include: [] };
    expect(byName.get('accounts_lower_email_idx')).toEqual({
      ...btree, name: 'accounts_lower_email_idx', keys: [{ expression: ex('lower(email)') }],
    });
    expect(byName.get('accounts_email_active_idx')).toEqual({
      ...btree, name: 'accounts_email_active_idx', unique: true, keys: [{ column: 'email' }], where: ex('(note IS NULL)'),
    });
    expect(byName.get('accounts_created_idx')).toEqual({
      ...btree, name: 'accounts_created_idx',
      keys: [{ column: 'created_at', descending: true, nulls: 'last' }, { column: 'id', nulls: 'first' }],
      include: ['email', 'price'],
    });
    expect(byName.get('accounts_created_desc_idx')?.keys).toEqual([{ column: 'created_at', descending: true }]);
    expect(byName.get('accounts_tags_idx')).toEqual({
      name: 'accounts_tags_idx', unique: false, method: 'gin', keys: [{ column: 'tags' }], include: [],
    });
    expect(byName.get('accounts_email_trgm_idx')?.keys).toEqual([{ column: 'email', opclass: 'gin_trgm_ops' }]);
    expect(byName.get('accounts_code_pattern_idx')?.keys).toEqual([{ column: 'code', opclass: 'varchar_pattern_ops' }]);
    expect(byName.get('accounts_code_posix_idx')?.keys).toEqual([{ column: 'code', collation: 'POSIX' }]);
    expect(byName.get('accounts_code_upper_idx')?.keys).toEqual([
      { expression: ex('upper(code::text)'), collation: 'POSIX' },
    ]);
    // lower(code) has code's collation "C" implicitly: nothing to record.
    expect(byName.get('accounts_code_lower_idx')?.keys).toEqual([{ expression: ex('lower(code::text)') }]);
    expect(byName.get('accounts_mood_idx')?.where).toBe(ex("(mood = 'happy'::mood)"));
    expect(table(a, 'bookings').indexes).toEqual([]);
    // An exclusion constraint is managed, whole as pg_get_constraintdef prints it; its index is its own.
    expect(table(a, 'bookings').exclusions).toEqual([{ name: 'bookings_during_excl', definition: 'EXCLUDE USING gist (during WITH &&)' }]);
  });

  it('reads enums and sequences', () => {
    expect(a?.enums).toEqual([{ name: 'mood', values: ['sad', 'meh', 'ok', 'happy'], comment: 'how it feels' }]);
    expect(a?.sequences).toEqual([
      {
        name: 'accounts_id_seq', type: 'integer', start: '1', increment: '1', minValue: '1', maxValue: '2147483647',
        cache: '1', cycle: false, ownedBy: { table: 'accounts', column: 'id' },
      },
      {
        name: 'standalone_seq', type: 'smallint', start: '10', increment: '5', minValue: '-100', maxValue: '1000',
        cache: '3', cycle: true,
      },
    ]);
  });

  it('reads partitioned and unlogged tables, and lists tables in name order', () => {
    expect(a?.tables.map((t) => t.name)).toEqual([
      'accounts', 'bookings', 'events', 'ledger', 'ledger_2024', 'ledger_2025', 'ledger_refs', 'memberships', 'pair_refs', 'pairs', 'scratch',
    ]);
    expect(table(a, 'ledger').partitionBy).toBe('RANGE (day)');
    expect(table(a, 'ledger').partitionOf).toBeUndefined();
    expect(table(a, 'scratch').unlogged).toBe(true);
    expect(table(a, 'accounts').options).toBeUndefined();
    expect(table(a, 'accounts').unlogged).toBeUndefined();
    // A partition: its parent and bound; the primary key and its index are the parent's.
    const partition = table(a, 'ledger_2024');
    expect(partition.partitionOf).toEqual({ table: 'ledger', bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" });
    expect(partition.partitionBy).toBeUndefined();
    expect(partition.primaryKey).toBeUndefined();
    expect(partition.indexes).toEqual([]);
    expect(partition.columns.map((c) => [c.name, c.nullable])).toEqual([['id', false], ['day', false]]);
  });

  it('reports what the model does not cover as unmanaged', () => {
    expect(a?.unmanaged).toEqual([
      { kind: 'collation', name: 'my_c' },
      { kind: 'extension', name: 'pg_trgm' },
      { kind: 'foreign table', name: 'remote_rows' },
      { kind: 'operator', name: '===(mood, mood)' },
      { kind: 'text search configuration', name: 'simple_cfg' },
      { kind: 'type', name: 'floatrange' },
    ]);
  });

  it('reads views, routines, triggers, policies, rules, statistics, domains and composite types, and row-level security', () => {
    expect((a?.objects ?? []).map(objectKey)).toEqual([
      'aggregate:total(integer)',
      'composite type:pair',
      'domain:positive_int',
      'function:add_one(integer, mood)',
      'function:mood_eq(mood, mood)',
      'function:touch()',
      'materialized view:account_counts',
      'policy:accounts.own_rows',
      'procedure:noop()',
      'rule:events.events_no_delete',
      'statistics:accounts_stats',
      'trigger:accounts.accounts_touch',
      'trigger:ledger.ledger_touch',
      'view:active_accounts',
    ]);
    const object = (key: string) => a?.objects?.find((o) => objectKey(o) === key);
    expect(object('policy:accounts.own_rows')).toEqual({
      kind: 'policy',
      name: 'own_rows',
      table: 'accounts',
      definition: 'CREATE POLICY own_rows ON accounts USING (true)',
      dependsOn: ['table:accounts'],
    });
    expect(object('domain:positive_int')?.definition).toBe('CREATE DOMAIN positive_int AS integer CONSTRAINT positive_int_check CHECK ((VALUE > 0))');
    expect(object('trigger:accounts.accounts_touch')).toMatchObject({
      definition: 'CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch()',
      dependsOn: ['function:touch()', 'table:accounts'],
    });
    // The tenant's enum in an argument type is named unqualified, like every tenant object.
    expect(object('function:add_one(integer, mood)')?.definition).toMatch(/^CREATE OR REPLACE FUNCTION add_one\(integer, mood\)\n RETURNS integer\n/);
    expect(table(a, 'accounts').rowSecurity).toBe(true);
    expect(table(a, 'accounts').forceRowSecurity).toBeUndefined();
  });

  it('keeps tenants independent in one call', () => {
    const b = table(models.get('tenant_b'), 'items');
    const c = table(models.get('tenant_c'), 'items');
    expect(column(b, 'weight')).toEqual({ name: 'weight', type: ty('integer'), nullable: true });
    expect(column(c, 'weight')).toEqual({ name: 'weight', type: ty('numeric(8,3)'), nullable: false });
    for (const t of [b, c]) {
      expect(column(t, 'id')?.default).toBe(def("nextval('items_id_seq'::regclass)", 'integer'));
      expect(column(t, 'kind')).toEqual({ name: 'kind', type: ty('kind'), nullable: true, default: def("'a'::kind", 'kind') });
    }
    expect(models.get('tenant_b')?.tables).toHaveLength(1);
    expect(models.get('tenant_b')?.unmanaged).toEqual([]);
  });

  it('gives tenants with equal tables the same frozen table objects', () => {
    const hostile = table(models.get(HOSTILE), 'items');
    expect(table(models.get(APOSTROPHE), 'items')).toBe(hostile);
    expect(Object.isFrozen(hostile.columns)).toBe(true);
    expect(table(models.get('tenant_b'), 'items')).not.toBe(table(models.get('tenant_c'), 'items'));
  });

  it('strips hostile and apostrophe schema names from types and expressions', () => {
    for (const schema of [HOSTILE, APOSTROPHE]) {
      const model = models.get(schema);
      const items = table(model, 'items');
      expect(items.columns.map((c) => c.name)).toEqual(['id', 'select', 'kind', 'owner']);
      expect(column(items, 'id')?.default).toBe(def("nextval('items_id_seq'::regclass)", 'integer'));
      expect(column(items, 'kind')?.type).toBe(ty('kind'));
      expect(column(items, 'kind')?.default).toBe(def("'a'::kind", 'kind'));
      expect(items.indexes).toEqual([
        { name: 'items_select_idx', unique: false, method: 'btree', keys: [{ column: 'select' }], include: [],
          where: ex("(kind = 'b'::kind)") },
      ]);
      expect(model?.sequences.map((s) => s.ownedBy)).toEqual([{ table: 'items', column: 'id' }]);
      expect(model?.enums).toEqual([{ name: 'kind', values: ['a', 'b'] }]);
    }
  });

  it('reads tables whose columns hold no expressions without waiting for their locks', async () => {
    // Deparsing a CHECK, index expression or generated column opens the table (a transient
    // ACCESS SHARE lock); everything else is read from the catalogs alone.
    const locker = await connectClient(urlFor(DB));
    try {
      await locker.query('BEGIN');
      const { rows } = await locker.query<{ name: string }>(
        "SELECT quote_ident(relname) AS name FROM pg_class WHERE relnamespace = 'chinook'::regnamespace AND relkind = 'r'",
      );
      await locker.query(`LOCK TABLE ${rows.map((r) => 'chinook.' + r.name).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      await client.query("SET lock_timeout = '1s'");
      const locked = await inspectSchemas(client, ['chinook']);
      expect(locked.get('chinook')?.tables).toHaveLength(11);
      await locker.query('LOCK TABLE tenant_a.accounts IN ACCESS EXCLUSIVE MODE');
      await expect(inspectSchemas(client, ['tenant_a'])).rejects.toThrow(/lock timeout/);
    } finally {
      await client.query('RESET lock_timeout');
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await inspectSchemas(client, ['tenant_a'])).get('tenant_a')).toEqual(a);
  });

  it("bounded reads: a tenant whose table another session locks is set aside, named, and the others are read", async () => {
    const locker = await connectClient(urlFor(DB));
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tenant_a.accounts IN ACCESS EXCLUSIVE MODE');
      const pid = (await locker.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const read = await readIsolating(client, ['tenant_a', 'tenant_b', 'chinook'], undefined, { lockTimeoutMs: 200, statementTimeoutMs: 60_000 });
      expect([...read.models.keys()].sort()).toEqual(['chinook', 'tenant_b']);
      expect(read.models.get('tenant_b')).toEqual(models.get('tenant_b'));
      expect(read.unreadable.get('tenant_a')).toBe(
        `could not be read: its table accounts is locked by another session (pid ${pid}); the read gave up after lock_timeout (200 ms)`,
      );
      // The settings were the read's own: the session is not left with them.
      expect((await client.query('SHOW lock_timeout')).rows[0].lock_timeout).toBe('0');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('every connection schema-sync opens starts with lock and statement timeouts, pooled or not', async () => {
    const timeouts = { lockTimeoutMs: 250, statementTimeoutMs: 1500 };
    const own = await connectClient(urlFor(DB), timeouts);
    const pool = createPool(urlFor(DB), 1, timeouts);
    try {
      for (const c of [own, pool]) {
        expect((await c.query('SHOW lock_timeout')).rows[0].lock_timeout).toBe('250ms');
        expect((await c.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('1500ms');
      }
      // A statement that sets no timeout of its own is still bounded.
      await expect(own.query('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
    } finally {
      await own.end();
      await pool.end();
    }
  });

  it('reads sequences for a scoped read without waiting for the lock on a partitioned table', async () => {
    // A whole read deparses a partition key (pg_get_partkeydef), which opens the table; a read
    // scoped to other tables and the sequences, as apply verifies a plan that adds a sequence, must not.
    const locker = await connectClient(urlFor(DB));
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tenant_a.ledger IN ACCESS EXCLUSIVE MODE');
      await client.query("SET lock_timeout = '1s'");
      const scoped = (await inspectSchemas(client, ['tenant_a'], { tables: ['memberships'], enums: false, sequences: true })).get('tenant_a');
      expect(scoped?.sequences).toEqual(a?.sequences);
      expect(scoped?.tables.map((t) => t.name)).toEqual(['memberships']);
      await expect(inspectSchemas(client, ['tenant_a'])).rejects.toThrow(/lock timeout/);
    } finally {
      await client.query('RESET lock_timeout');
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });

  it('reads the Chinook schema', async () => {
    const chinook = (await inspectSchemas(client, ['chinook'])).get('chinook');
    expect(chinook?.tables).toHaveLength(11);
    const album = table(chinook, 'album');
    expect(album.columns).toEqual([
      { name: 'album_id', type: ty('integer'), nullable: false },
      { name: 'title', type: ty('character varying(160)'), nullable: false },
      { name: 'artist_id', type: ty('integer'), nullable: false },
    ]);
    expect(album.primaryKey).toEqual({ name: 'album_pkey', columns: ['album_id'] });
    expect(album.foreignKeys).toEqual([
      {
        name: 'album_artist_id_fkey', columns: ['artist_id'], refTable: 'artist', refColumns: ['artist_id'],
        onDelete: 'no action', onUpdate: 'no action', deferrable: false, initiallyDeferred: false,
      },
    ]);
    expect(album.indexes).toEqual([
      { name: 'album_artist_id_idx', unique: false, method: 'btree', keys: [{ column: 'artist_id' }], include: [] },
    ]);
    expect(table(chinook, 'playlist_track').primaryKey?.columns).toEqual(['playlist_id', 'track_id']);
    expect(chinook?.tables.flatMap((t) => t.foreignKeys)).toHaveLength(11);
    expect(chinook?.tables.flatMap((t) => t.indexes)).toHaveLength(11);
    expect(chinook?.unmanaged).toEqual([]);
  });
});

describe('pagila', () => {
  let model: SchemaModel | undefined;
  beforeAll(async () => {
    model = (await inspectSchemas(pagila, ['public'])).get('public');
  });

  it('reads views, functions, aggregates, triggers and domains as objects, and leaves partitions unmanaged', () => {
    const keys = (model?.objects ?? []).map(objectKey);
    const ofKind = (kind: string) => keys.filter((k) => k.startsWith(kind + ':')).map((k) => k.slice(kind.length + 1));
    expect(ofKind('view')).toEqual([
      'actor_info', 'customer_list', 'film_list', 'nicer_but_slower_film_list', 'sales_by_film_category',
      'sales_by_store', 'staff_list',
    ]);
    expect(ofKind('materialized view')).toEqual(['rental_by_category']);
    expect(ofKind('function')).toEqual(sorted([
      '_group_concat(text, text)', 'film_in_stock(integer, integer)', 'film_not_in_stock(integer, integer)',
      'get_customer_balance(integer, timestamp with time zone)', 'inventory_held_by_customer(integer)',
      'inventory_in_stock(integer)', 'last_day(timestamp with time zone)', 'last_updated()',
      'rewards_report(integer, numeric)',
    ]));
    expect(ofKind('trigger')).toHaveLength(15);
    expect(ofKind('trigger')).toContain('film.film_fulltext_trigger');
    expect(ofKind('trigger')).toContain('actor.last_updated');
    expect(ofKind('domain')).toEqual(['bıgınt', 'year']);
    expect(ofKind('aggregate')).toEqual(['group_concat(text)']);
    expect(model?.objects?.find((o) => o.kind === 'aggregate')?.definition).toBe('CREATE AGGREGATE group_concat(text) (\n    SFUNC = _group_concat,\n    STYPE = text\n)');
    // Nothing is left outside the model: partitions are managed tables.
    expect(model?.unmanaged).toEqual([]);
    // A function that returns a table's rows needs the table: it comes after the tables.
    expect(model?.objects?.find((o) => o.name === 'rewards_report(integer, numeric)')?.dependsOn).toEqual(['table:customer']);
    expect(model?.objects?.find((o) => o.kind === 'materialized view')?.indexes).toEqual([
      'CREATE UNIQUE INDEX rental_category ON rental_by_category USING btree (category)',
    ]);
  });

  it('reads tables like film and actor', () => {
    expect(model?.tables).toHaveLength(22);
    expect(model?.sequences).toHaveLength(13);
    expect(model?.enums).toEqual([{ name: 'mpaa_rating', values: ['G', 'PG', 'PG-13', 'R', 'NC-17'] }]);
    const actor = table(model, 'actor');
    expect(actor.columns).toEqual([
      { name: 'actor_id', type: ty('integer'), nullable: false, default: def("nextval('actor_actor_id_seq'::regclass)", 'integer') },
      { name: 'first_name', type: ty('text'), nullable: false },
      { name: 'last_name', type: ty('text'), nullable: false },
      { name: 'last_update', type: ty('timestamp with time zone'), nullable: false, default: def('now()', 'timestamp with time zone') },
    ]);
    expect(actor.primaryKey).toEqual({ name: 'actor_pkey', columns: ['actor_id'] });
    expect(actor.indexes.map((i) => i.name)).toEqual(['idx_actor_last_name']);

    const film = table(model, 'film');
    expect(column(film, 'release_year')?.type).toBe(ty('year'));
    expect(column(film, 'rating')).toEqual({
      name: 'rating', type: ty('mpaa_rating'), nullable: true, default: def("'G'::mpaa_rating", 'mpaa_rating'),
    });
    expect(column(film, 'rental_rate')).toEqual({
      name: 'rental_rate', type: ty('numeric(4,2)'), nullable: false, default: def('4.99', 'numeric(4,2)'),
    });
    expect(column(film, 'special_features')?.type).toBe(ty('text[]'));
    expect(film.indexes.find((i) => i.name === 'film_fulltext_idx')).toEqual({
      name: 'film_fulltext_idx', unique: false, method: 'gist', keys: [{ column: 'fulltext' }], include: [],
    });
    expect(film.foreignKeys.map((f) => [f.name, f.refTable, f.onDelete, f.onUpdate])).toEqual([
      ['film_language_id_fkey', 'language', 'restrict', 'cascade'],
      ['film_original_language_id_fkey', 'language', 'restrict', 'cascade'],
    ]);
    expect(model?.externalTypes).toContain(ty('year'));
    expect(table(model, 'payment').partitionBy).toBe('RANGE (payment_date)');
    expect(table(model, 'payment').primaryKey?.columns).toEqual(['payment_date', 'payment_id']);
  });

  it('reads payment partitions with their bounds and only their own indexes and foreign keys', () => {
    const partitions = model!.tables.filter((t) => t.partitionOf?.table === 'payment');
    expect(partitions.map((t) => t.name)).toEqual([1, 2, 3, 4, 5, 6, 7].map((m) => `payment_p2022_0${m}`));
    const first = table(model, 'payment_p2022_01');
    expect(first.partitionOf).toEqual({ table: 'payment', bound: "FOR VALUES FROM ('2022-01-01 00:00:00+00') TO ('2022-02-01 00:00:00+00')" });
    // payment_p2022_01_pkey is attached to payment_pkey: the parent's, not the partition's.
    expect(first.primaryKey).toBeUndefined();
    expect(first.indexes.map((i) => i.name)).toEqual([
      'idx_fk_payment_p2022_01_customer_id', 'idx_fk_payment_p2022_01_staff_id', 'payment_p2022_01_customer_id_idx',
    ]);
    expect(first.foreignKeys.map((f) => [f.name, f.refTable])).toEqual([
      ['payment_p2022_01_customer_id_fkey', 'customer'],
      ['payment_p2022_01_rental_id_fkey', 'rental'],
      ['payment_p2022_01_staff_id_fkey', 'staff'],
    ]);
    expect(first.columns.map((c) => c.name)).toEqual(table(model, 'payment').columns.map((c) => c.name));
  });
});

describe('inspectSchemas with a scope', () => {
  it('reads each named table exactly as a whole read does, and nothing else', async () => {
    const whole = (await inspectSchemas(pagila, ['public'])).get('public')!;
    // A partitioned table is read with its partitions, which an ALTER of it changes too.
    const withPartitions = (names: readonly string[]): string[] => {
      const found = new Set(names);
      for (let grew = true; grew; ) {
        grew = false;
        for (const t of whole.tables) {
          if (t.partitionOf && found.has(t.partitionOf.table) && !found.has(t.name)) {
            found.add(t.name);
            grew = true;
          }
        }
      }
      return whole.tables.filter((t) => found.has(t.name)).map((t) => t.name);
    };
    for (const t of whole.tables) {
      const part = (await inspectSchemas(pagila, ['public'], { tables: [t.name, 'no_such_table'], enums: false, sequences: false })).get('public');
      expect(part?.tables, t.name).toEqual(whole.tables.filter((w) => withPartitions([t.name]).includes(w.name)));
      expect(part?.enums).toEqual([]);
      expect(part?.sequences).toEqual([]);
      expect(part?.unmanaged).toEqual([]);
    }
    const tables = ['film', 'film_actor', 'payment'];
    const some = (await inspectSchemas(pagila, ['public'], { tables, enums: true, sequences: true })).get('public');
    expect(some?.tables.map((t) => t.name)).toEqual(withPartitions(tables));
    expect(some?.enums).toEqual(whole.enums);
    expect(some?.sequences).toEqual(whole.sequences);
  });

  it('a read inside a transaction (queries grouped, parameters as literals) equals the streamed read, Pagila and hostile names', async () => {
    const whole = (await inspectSchemas(pagila, ['public'])).get('public')!;
    await pagila.query(`BEGIN; ${CATALOG_SETTINGS.join('; ')}`);
    try {
      expect(await inspectInTransaction(pagila, 'public')).toEqual(whole);
      const tables = ['film', 'film_actor', 'payment'];
      const scoped = await inspectInTransaction(pagila, 'public', { tables, enums: true, sequences: true });
      expect(scoped?.tables).toEqual(whole.tables.filter((t) => tables.includes(t.name) || t.partitionOf?.table === 'payment'));
      expect(scoped?.sequences).toEqual(whole.sequences);
    } finally {
      await pagila.query('ROLLBACK');
    }
    for (const name of [HOSTILE, APOSTROPHE]) {
      const streamed = (await inspectSchemas(client, [name])).get(name);
      await client.query(`BEGIN; ${CATALOG_SETTINGS.join('; ')}`);
      try {
        expect(await inspectInTransaction(client, name), name).toEqual(streamed);
      } finally {
        await client.query('ROLLBACK');
      }
    }
  });

  it('reads the same tables in every schema, hostile names included', async () => {
    const schemas = ['tenant_a', HOSTILE, APOSTROPHE];
    const whole = await inspectSchemas(client, schemas);
    const scoped = await inspectSchemas(client, schemas, { tables: ['accounts', 'items', 'ledger_refs'], enums: true, sequences: false });
    for (const name of schemas) {
      const expected = whole.get(name)!.tables.filter((t) => ['accounts', 'items', 'ledger_refs'].includes(t.name));
      expect(scoped.get(name)?.tables, name).toEqual(expected);
      expect(scoped.get(name)?.enums, name).toEqual(whole.get(name)!.enums);
    }
    expect(scoped.get('tenant_a')?.tables.map((t) => t.name)).toEqual(['accounts', 'ledger_refs']);
    expect(scoped.get(HOSTILE)?.tables.map((t) => t.name)).toEqual(['items']);
  });

  it('reads the tables that inherit from a named one too: a column added to it is added to them', async () => {
    await client.query(`
      CREATE SCHEMA inherit_t;
      CREATE TABLE inherit_t.base (id integer, CHECK (id > 0));
      CREATE TABLE inherit_t.child (extra text) INHERITS (inherit_t.base);
      CREATE TABLE inherit_t.grandchild () INHERITS (inherit_t.child);
      CREATE TABLE inherit_t.other (id integer);
      ALTER TABLE inherit_t.base ADD COLUMN note text`);
    const whole = (await inspectSchemas(client, ['inherit_t'])).get('inherit_t')!;
    const part = (await inspectSchemas(client, ['inherit_t'], { tables: ['base'], enums: false, sequences: false })).get('inherit_t')!;
    expect(part.tables.map((t) => t.name)).toEqual(['base', 'child', 'grandchild']);
    expect(part.tables).toEqual(whole.tables.filter((t) => t.name !== 'other'));
    // The parent's new column reaches its descendants, as theirs by inheritance: not their own.
    expect(table(part, 'base').columns.map((c) => c.name)).toEqual(['id', 'note']);
    expect(table(part, 'child').columns.map((c) => c.name)).toEqual(['extra']);
    expect(table(part, 'child').checks).toEqual([]);
    expect(table(part, 'child').inherits).toEqual(['base']);
    expect(table(part, 'grandchild').columns).toEqual([]);
    expect(table(part, 'grandchild').inherits).toEqual(['child']);
    await client.query('DROP SCHEMA inherit_t CASCADE');
  });

  it('reads the parents of a child in inhseqno order, and keeps a column it both declares and inherits as its own', async () => {
    await client.query(`
      CREATE SCHEMA inherit_o;
      CREATE SCHEMA inherit_x;
      CREATE TABLE inherit_x.audit (by text);
      CREATE TABLE inherit_o.named (id integer NOT NULL, name text);
      CREATE TABLE inherit_o.stamped (id integer NOT NULL, at timestamptz);
      CREATE TABLE inherit_o.thing (name text DEFAULT 'x', size integer, CHECK (size > 0)) INHERITS (inherit_o.stamped, inherit_o.named, inherit_x.audit);
      CREATE TABLE inherit_o.late () INHERITS (inherit_o.named);
      ALTER TABLE ONLY inherit_o.late ALTER COLUMN name SET DEFAULT 'y'`);
    const model = (await inspectSchemas(client, ['inherit_o'])).get('inherit_o')!;
    await client.query('DROP SCHEMA inherit_o CASCADE; DROP SCHEMA inherit_x CASCADE');
    const thing = table(model, 'thing');
    // A parent in another schema is named with it: the manifest refuses it (tests in manifest.test.ts).
    expect(thing.inherits).toEqual(['stamped', 'named', 'inherit_x.audit']);
    expect(thing.columns).toEqual([
      { name: 'name', type: 'text', nullable: true, default: "'x'::text" },
      { name: 'size', type: 'integer', nullable: true },
    ]);
    expect(thing.checks.map((c) => c.expression)).toEqual(['(size > 0)']);
    expect(table(model, 'named').inherits).toBeUndefined();
    // A default set on the child alone differs from what INHERITS gives it: kept, as its own.
    expect(table(model, 'late').columns).toEqual([{ name: 'name', type: 'text', nullable: true, default: "'y'::text" }]);
  });
});

describe('listSchemas and inspectInvalidIndexes', () => {
  it('lists user schemas only, sorted', async () => {
    const schemas = await listSchemas(client);
    expect(schemas).toEqual(sorted(['chinook', 'public', 'shared', 'tenant_a', 'tenant_b', 'tenant_c', HOSTILE, APOSTROPHE]));
  });

  it('finds indexes left INVALID by a failed concurrent build', async () => {
    await client.query(`INSERT INTO tenant_b.items ("select") VALUES ('same'), ('same')`);
    await expect(
      client.query('CREATE UNIQUE INDEX CONCURRENTLY items_select_key ON tenant_b.items ("select")'),
    ).rejects.toThrow();
    expect(await inspectInvalidIndexes(client, 'tenant_b')).toEqual(['items_select_key']);
    expect(await inspectInvalidIndexes(client, 'tenant_c')).toEqual([]);
  });
});
