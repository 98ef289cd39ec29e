// The server judges the desired schema (DESIGN.md invariant 2): the manifest is compiled in a
// scratch schema that never persists and read back by the tenants' inspector. These tests hold
// the spellings the hand-written printer got wrong, the compile's isolation, its cache, devUrl,
// and the errors of `sql:`.
import { randomBytes } from 'node:crypto';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { SchemaSyncEngine } from '../src/library/schema-sync.js';
import type { SchemaCompiler } from '../src/engines/types.js';
import { adoptedManifest } from '../src/manifest/index.js';
import { canonicalJson } from '../src/model/canonical-json.js';
import { createTestDatabase, qi, urlFor, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dev: Awaited<ReturnType<typeof createTestDatabase>>;
const role = `ss_compile_ro_${randomBytes(4).toString('hex')}`;
const projects: TempProject[] = [];

beforeAll(async () => {
  db = await createTestDatabase('compile');
  dev = await createTestDatabase('compile_dev');
  await withClient(db.url, async (c) => {
    await c.query(`CREATE ROLE ${qi(role)} LOGIN`);
    // Enough to read every tenant's catalog rows and nothing more: no CREATE on the database.
    await c.query(`REVOKE CREATE ON DATABASE ${qi(db.name)} FROM PUBLIC`);
  });
}, 60_000);

afterAll(async () => {
  for (const p of projects) await p.remove();
  await db?.drop();
  await dev?.drop();
  await withClient(urlFor('postgres'), (c) => c.query(`DROP ROLE IF EXISTS ${qi(role)}`));
});

async function project(tenants: string[], extra: Record<string, unknown> = {}): Promise<TempProject> {
  const p = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: tenants }, apply: { retries: 0 }, ...extra });
  projects.push(p);
  return p;
}

async function sql(text: string): Promise<void> {
  await withClient(db.url, (c) => c.query(text));
}

/** Adopts a tenant's live schema as the project's manifest, as `inspect -o` writes it. */
async function adopt(p: TempProject, tenant: string): Promise<void> {
  await p.withEngine(async (engine) => {
    const outcome = (await engine.project.adapter.inspector.inspectTenants([{ name: tenant, labels: [] }])).get(tenant);
    if (!outcome?.ok) throw new Error(`cannot inspect ${tenant}`);
    await writeFile(path.join(p.dir, 'schema', 'manifest.yaml'), adoptedManifest(outcome.schema, engine.project.engine));
  });
}

async function scratchSchemasLeft(): Promise<number> {
  return withClient(db.url, async (c) => Number((await c.query(`SELECT count(*) AS n FROM pg_namespace WHERE nspname LIKE 'schema_sync_compile_%'`)).rows[0].n));
}

describe('the server judges spellings', () => {
  test("a person's spellings and the catalog's meet, because the server reads both", async () => {
    await sql(`CREATE SCHEMA spell_a;
      CREATE TYPE spell_a.mood AS ENUM ('active', 'gone');
      CREATE TABLE spell_a.users (
        id bigserial PRIMARY KEY,
        email character varying(255) NOT NULL,
        status spell_a.mood NOT NULL DEFAULT 'active'::spell_a.mood,
        created_at timestamp with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
        score integer,
        total integer GENERATED ALWAYS AS (((score * 2) + 1)) STORED,
        CONSTRAINT users_email_check CHECK (email LIKE '%@%' AND email <> 'a'),
        CONSTRAINT users_score_check CHECK ((((score >= 0) AND (score <= 100)) OR (score IS NULL))));
      CREATE UNIQUE INDEX users_email ON spell_a.users USING btree (lower((email)::text)) WHERE ((status <> 'gone'::spell_a.mood) AND (score > 0));`);
    const p = await project(['spell_a']);
    await p.writeManifest({
      enums: { mood: ['active', 'gone'] },
      tables: {
        users: {
          columns: {
            id: { type: 'bigserial', primaryKey: true },
            email: { type: 'varchar(255)', nullable: false },
            status: { type: 'mood', nullable: false, default: "'active'" },
            created_at: { type: 'timestamptz', nullable: false, default: 'current_timestamp' },
            score: 'int4',
            total: { type: 'int', generated: 'score * 2 + 1' },
          },
          checks: { users_email_check: "email LIKE '%@%' AND email != 'a'", users_score_check: 'score between 0 and 100 or score is null' },
          indexes: { users_email: { columns: [{ expression: 'lower(email)' }], unique: true, method: 'BTREE', where: "status != 'gone' and score > 0" } },
        },
      },
    });
    const plan = await p.withEngine((e) => e.plan());
    expect(plan.groups).toEqual([]);
    expect(plan.inSync).toEqual(['spell_a']);
  });

  test('a varchar IN list made by hand is pending once, then converges to what the server reads back from its own print', async () => {
    // PostgreSQL prints `code IN ('a', 'b')` on a varchar as `= ANY ((ARRAY['a'::character varying,
    // ...])::text[])`, which parses back to another tree: pg_dump of a tenant restored from that
    // print differs from the original. The desired schema is the fixed point a plan reproduces.
    await sql(`CREATE SCHEMA inlist_a; CREATE TABLE inlist_a.t (code varchar(10) CHECK (code IN ('a', 'b')))`);
    const p = await project(['inlist_a']);
    await p.writeManifest({ tables: { t: { columns: { code: 'varchar(10)' }, checks: { t_code_check: "code IN ('a', 'b')" } } } });
    await p.withEngine(async (e) => {
      const plan = await e.plan();
      expect(plan.groups.flatMap((g) => g.changes.map((c) => c.kind))).toEqual(['dropCheck', 'addCheck']);
      expect((await e.apply(plan, { allowDestructive: true })).map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
      expect((await e.plan()).groups).toEqual([]);
    });
  });

  test('NORMALIZE(x, NFKC) in an index survives adopt and builds a new tenant', async () => {
    await sql(`CREATE SCHEMA norm_a; CREATE SCHEMA norm_b;
      CREATE TABLE norm_a.people (id int PRIMARY KEY, display_name text);
      CREATE INDEX people_display ON norm_a.people (lower(NORMALIZE(display_name, NFKC)));`);
    const p = await project(['norm_a', 'norm_b']);
    await adopt(p, 'norm_a');
    await p.withEngine(async (e) => {
      const build = await e.plan({ tenants: ['norm_b'] });
      const results = await e.apply(build);
      expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([['norm_b', 'applied', undefined]]);
      const again = await e.plan();
      expect(again.groups).toEqual([]);
    });
    const defs = await withClient(db.url, async (c) =>
      (await c.query(`SELECT n.nspname, pg_get_indexdef(i.oid) AS def FROM pg_class i JOIN pg_namespace n ON n.oid = i.relnamespace WHERE i.relname = 'people_display' ORDER BY 1`)).rows,
    );
    expect(defs.map((r) => r.def.replace(r.nspname, 'T'))).toEqual([
      'CREATE INDEX people_display ON T.people USING btree (lower(NORMALIZE(display_name, NFKC)))',
      'CREATE INDEX people_display ON T.people USING btree (lower(NORMALIZE(display_name, NFKC)))',
    ]);
  });

  test('a late-bound nextval stays late-bound, and differs from an early-bound one', async () => {
    await sql(`CREATE SCHEMA late_a; CREATE SCHEMA late_b; CREATE SCHEMA late_c;
      CREATE SEQUENCE late_a.contacts_seq; CREATE TABLE late_a.contacts (id bigint DEFAULT nextval(('contacts_seq'::text)::regclass));
      CREATE SEQUENCE late_c.contacts_seq; CREATE TABLE late_c.contacts (id bigint DEFAULT nextval('late_c.contacts_seq'::regclass));`);
    const p = await project(['late_a', 'late_b', 'late_c']);
    await adopt(p, 'late_a');
    await p.withEngine(async (e) => {
      const build = await e.plan({ tenants: ['late_b'] });
      expect((await e.apply(build)).map((r) => r.status)).toEqual(['applied']);
      const report = await e.audit();
      const states = Object.fromEntries(report.tenants.map((t) => [t.tenant, t.status]));
      expect(states).toEqual({ late_a: 'in-sync', late_b: 'in-sync', late_c: 'pending' });
    });
    const defaults = await withClient(db.url, async (c) =>
      (await c.query(`SELECT n.nspname, pg_get_expr(d.adbin, d.adrelid) AS def FROM pg_attrdef d JOIN pg_class t ON t.oid = d.adrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname IN ('late_a', 'late_b') ORDER BY 1`)).rows,
    );
    expect(defaults.map((r) => r.def)).toEqual(["nextval(('contacts_seq'::text)::regclass)", "nextval(('contacts_seq'::text)::regclass)"]);
  });
});

describe('the fixed point is reached in place', () => {
  /** A compiler that cannot keep its scratch schema between reads: every round is built from nothing. */
  function fromNothing(engine: SchemaSyncEngine): void {
    const adapter = engine.project.adapter as { compiler: SchemaCompiler };
    const compiler = adapter.compiler;
    adapter.compiler = {
      version: () => compiler.version(),
      compileSchemas: (inputs) => compiler.compileSchemas(inputs.map(({ thenChange: _t, ...input }) => input)),
    };
  }

  const manifests: Record<string, unknown> = {
    // Round 2 runs the printed text again, round 3 the IN list's new print, round 4 confirms.
    'every printed kind': {
      enums: { state: ['new', 'done'] },
      tables: {
        accounts: {
          columns: { id: { type: 'bigserial', primaryKey: true }, code: { type: 'varchar(10)', nullable: false, default: "'a'" }, balance: { type: 'numeric(12,2)', default: 0 } },
          checks: { accounts_code_known: "code IN ('a', 'b')", accounts_balance: 'balance >= 0' },
          indexes: { accounts_lower_code: { columns: ['lower(code)'], where: 'balance > 0' } },
        },
        events: {
          columns: { id: { type: 'bigint', identity: 'always' }, at: { type: 'timestamptz', nullable: false, default: 'now()' }, state: { type: 'state', default: "'new'" } },
          primaryKey: ['at', 'id'],
          partitionBy: 'RANGE (at)',
        },
        events_2024: { partitionOf: { table: 'events', bound: "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')" } },
        events_other: { partitionOf: { table: 'events', bound: 'DEFAULT' } },
      },
      sql: [
        "CREATE DOMAIN code AS varchar(10) DEFAULT 'a' CHECK (VALUE IN ('a', 'b'))",
        'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$',
        'CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION touch()',
        "CREATE VIEW known AS SELECT id, code FROM accounts WHERE code IN ('a', 'b')",
        'ALTER TABLE accounts ENABLE ROW LEVEL SECURITY',
        "CREATE POLICY accounts_mine ON accounts USING (code IN ('a', 'b'))",
      ],
    },
    // A generated column cannot take a new expression in place: the rounds are built from nothing.
    'a generated column': {
      tables: { t: { columns: { id: { type: 'int', primaryKey: true }, code: 'varchar(10)', upper_code: { type: 'text', generated: "upper(code) || 'x'" } }, checks: { t_code: "code IN ('a', 'b')" } } },
    },
  };

  test.each(Object.keys(manifests))('%s: the same desired schema as rounds built from nothing, and a tenant built from it reads back the same', async (name) => {
    const tenant = `inplace_${Object.keys(manifests).indexOf(name)}`;
    await sql(`CREATE SCHEMA ${tenant}`);
    const inPlace = await project([tenant]);
    const built = await project([tenant]);
    for (const p of [inPlace, built]) await p.writeManifest(manifests[name]);
    const desired = await inPlace.withEngine(async (e) => (await e.project.desired.desiredFor({ name: tenant, labels: [] })).schema);
    const expected = await built.withEngine(async (e) => {
      fromNothing(e);
      return (await e.project.desired.desiredFor({ name: tenant, labels: [] })).schema;
    });
    expect(canonicalJson(desired)).toBe(canonicalJson(expected));
    await inPlace.withEngine(async (e) => {
      expect((await e.apply(await e.plan())).map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
      expect((await e.plan()).groups).toEqual([]);
    });
  });
});

describe('a routine that names its own schema', () => {
  test("SET search_path naming the tenant is adopted tenant-neutral and rebuilt naming the new tenant", async () => {
    await sql(`CREATE SCHEMA path_a; CREATE SCHEMA path_b;
      CREATE TABLE path_a.t (id int PRIMARY KEY);
      CREATE FUNCTION path_a.t_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = path_a, public AS 'SELECT count(*) FROM t'`);
    const p = await project(['path_a', 'path_b']);
    await adopt(p, 'path_a');
    const manifest = await readFile(path.join(p.dir, 'schema', 'manifest.yaml'), 'utf8');
    expect(manifest).toContain("SET search_path TO @tenant@, 'public'");
    expect(manifest).not.toContain('path_a');
    await p.withEngine(async (e) => {
      const build = await e.plan({ tenants: ['path_b'] });
      expect((await e.apply(build)).map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
      expect((await e.plan()).groups).toEqual([]);
    });
    const configs = await withClient(db.url, async (c) =>
      (await c.query(`SELECT n.nspname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 't_count' ORDER BY 1`)).rows,
    );
    expect(configs.map((r) => [r.nspname, r.proconfig])).toEqual([
      ['path_a', ['search_path=path_a, public']],
      ['path_b', ['search_path=path_b, public']],
    ]);
    expect(await withClient(db.url, async (c) => (await c.query('SELECT path_b.t_count() AS n')).rows[0].n)).toBe('0');
  });
});

describe('the compile never persists and is cached', () => {
  test('no scratch schema is left, after a compile that worked and after one the server refused', async () => {
    await sql('CREATE SCHEMA keep_a');
    const p = await project(['keep_a']);
    await p.writeManifest({ tables: { t: { columns: { id: { type: 'int', primaryKey: true } } } } });
    await p.withEngine((e) => e.plan());
    expect(await scratchSchemasLeft()).toBe(0);
    await p.writeManifest({ tables: { t: { columns: { id: { type: 'int', primaryKey: true }, n: { type: 'int', default: 'no_such_function()' } } } } });
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/manifest\.yaml:\d+:\d+: tables\.t\.columns\.n\.default: the server refused it while compiling the desired schema: function no_such_function\(\) does not exist/);
    expect(await scratchSchemasLeft()).toBe(0);
  });

  test('an unchanged manifest is read from the cache: a role that cannot compile still audits; without the cache it is told what to do; devUrl compiles elsewhere', async () => {
    await sql(`CREATE SCHEMA cache_a; CREATE TABLE cache_a.t (id int PRIMARY KEY, note text);
      GRANT USAGE ON SCHEMA cache_a TO ${qi(role)}`);
    const manifest = { tables: { t: { columns: { id: { type: 'int', primaryKey: true }, note: 'text' } } } };
    const owner = await project(['cache_a']);
    await owner.writeManifest(manifest);
    expect((await owner.withEngine((e) => e.audit())).tenants.map((t) => t.status)).toEqual(['in-sync']);
    const cacheDir = path.join(owner.dir, '.schema-sync', 'compiled');
    expect((await readdir(cacheDir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const readOnlyUrl = new URL(db.url);
    readOnlyUrl.username = role;
    const reader = await createTempProject({ engine: 'postgres', url: readOnlyUrl.toString(), tenants: { list: ['cache_a'] } });
    projects.push(reader);
    await reader.writeManifest(manifest);
    await expect(reader.withEngine((e) => e.audit())).rejects.toThrow(/cannot compile the desired schema on the tenants' server: permission denied.*devUrl/s);

    // The owner's cache, committed with the project, is all the reader needs.
    await rm(path.join(reader.dir, '.schema-sync'), { recursive: true, force: true });
    await cp(path.join(owner.dir, '.schema-sync'), path.join(reader.dir, '.schema-sync'), { recursive: true });
    expect((await reader.withEngine((e) => e.audit())).tenants.map((t) => t.status)).toEqual(['in-sync']);

    // Or a devUrl where the compile may create its scratch schema.
    await rm(path.join(reader.dir, '.schema-sync'), { recursive: true, force: true });
    const withDev = await createTempProject({ engine: 'postgres', url: readOnlyUrl.toString(), devUrl: dev.url, tenants: { list: ['cache_a'] } });
    projects.push(withDev);
    await withDev.writeManifest(manifest);
    expect((await withDev.withEngine((e) => e.audit())).tenants.map((t) => t.status)).toEqual(['in-sync']);
  });
});

describe('sql: in the manifest', () => {
  test('a statement the parser refuses, one that names a schema, and one that is not DDL are each named at their line', async () => {
    await sql('CREATE SCHEMA sql_a');
    const p = await project(['sql_a']);
    const manifestFile = path.join(p.dir, 'schema', 'manifest.yaml');
    const write = (body: string) => writeFile(manifestFile, `version: 1\ntables:\n  t:\n    columns:\n      id: int\nsql: |\n${body}`);
    await write('  CREATE VIEW v AS SELECT id FROM t;\n  CREATE VIEW w AS SELEC 1;\n');
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/manifest\.yaml:8: the server refused it while compiling the desired schema: PostgreSQL's parser refuses it: syntax error at or near "SELEC"/);
    await write('  CREATE VIEW v AS SELECT id FROM t;\n\n  CREATE VIEW public.w AS SELECT 1;\n');
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/manifest\.yaml:9: .*names its schema \(public\.w\)/);
    await write('  DROP TABLE t;\n');
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/manifest\.yaml:7: .*"DROP TABLE t" is not one/);
    await write('  CREATE VIEW v AS SELECT nope FROM t;\n');
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/manifest\.yaml:7: the server refused it while compiling the desired schema: column "nope" does not exist/);
    expect(await scratchSchemasLeft()).toBe(0);
  });

  test('a domain and a function made by sql: are there for the tables that use them; apply resolves them in the tenant', async () => {
    // Made by hand here as well: apply resolves the CHECK's function in the tenant's own schema.
    await sql(`CREATE SCHEMA sql_b; CREATE DOMAIN sql_b.year AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155);
      CREATE FUNCTION sql_b.twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$`);
    const p = await project(['sql_b']);
    await p.writeManifest({
      sql: ["CREATE DOMAIN year AS integer CHECK (VALUE >= 1901 AND VALUE <= 2155)", 'CREATE FUNCTION twice(integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT $1 * 2 $$'],
      tables: { t: { columns: { id: { type: 'int', primaryKey: true }, y: 'year' }, checks: { t_id_check: 'twice(id) > 0' } } },
    });
    await p.withEngine(async (e) => {
      const plan = await e.plan();
      expect(plan.groups.flatMap((g) => g.steps.map((s) => s.summary))).toContain('create table t');
      expect((await e.apply(plan)).map((r) => [r.status, r.error])).toEqual([['applied', undefined]]);
      expect((await e.plan()).groups).toEqual([]);
    });
    const check = await withClient(db.url, async (c) => (await c.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 't_id_check' AND connamespace = 'sql_b'::regnamespace`)).rows[0]?.def);
    expect(check).toBe('CHECK ((sql_b.twice(id) > 0))');
  });
});
