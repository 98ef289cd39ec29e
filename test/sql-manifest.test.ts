// The desired schema written as SQL (issue 12, item 3): a .sql file, a folder of them or a
// command's output, compiled like a YAML manifest. The oracle is pg_dump: a tenant built from the
// SQL must dump the same as the tenant the SQL describes, once the schema name is replaced.
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

const run = promisify(execFile);
const fixtures = path.join(import.meta.dirname, 'fixtures');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const projects: TempProject[] = [];

beforeAll(async () => {
  db = await createTestDatabase('sqlmanifest');
  await sql('CREATE SCHEMA extensions; CREATE EXTENSION citext WITH SCHEMA extensions; CREATE EXTENSION pg_trgm WITH SCHEMA public');
  // Empty tenants for the refusals: a plan compiles the desired schema only for tenants that exist.
  await sql('CREATE SCHEMA refused; CREATE SCHEMA folder_c; CREATE SCHEMA cmd_c');
}, 60_000);

afterAll(async () => {
  for (const p of projects) await p.remove();
  await db?.drop();
});

async function sql(text: string): Promise<void> {
  await withClient(db.url, (c) => c.query(text));
}

/** A project whose manifest is `manifest` (a path in the project, or a map), tenants listed. */
async function project(tenants: string[], manifest: unknown, files: Record<string, string> = {}): Promise<TempProject> {
  const p = await createTempProject({ engine: 'postgres', url: db.url, tenants: { list: tenants }, manifest, apply: { retries: 0 } });
  projects.push(p);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(p.dir, file)), { recursive: true });
    await writeFile(path.join(p.dir, file), text);
  }
  return p;
}

/** pg_dump's schema-only text of one tenant, its name replaced, the dump's comments and psql's random restrict keys left out. */
async function dumpOf(schema: string): Promise<string> {
  const { stdout } = await run('pg_dump', ['--schema-only', `--schema=${schema}`, '--no-owner', db.url], { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('--') && !line.startsWith('\\'))
    .join('\n')
    .replaceAll(schema, 'TENANT');
}

/** Builds the project's tenants from nothing: plan, apply, then plan again must find nothing. */
async function buildAndConverge(p: TempProject, tenant: string): Promise<void> {
  await sql(`CREATE SCHEMA ${tenant}`);
  await p.withEngine(async (e) => {
    const plan = await e.plan({ tenants: [tenant] });
    expect(plan.groups.length).toBe(1);
    const results = await e.apply(plan);
    expect(results.map((r) => [r.tenant, r.status, r.error])).toEqual([[tenant, 'applied', undefined]]);
    const again = await e.plan({ tenants: [tenant] });
    expect(again.groups).toEqual([]);
    expect(again.inSync).toEqual([tenant]);
  });
}

/** A reference tenant with what the model manages: enums, sequences, identity, defaults, keys, checks, indexes, comments. */
const REFERENCE = (s: string) => `
  CREATE SCHEMA ${s};
  CREATE TYPE ${s}.mood AS ENUM ('happy', 'sad', 'it''s complicated');
  CREATE SEQUENCE ${s}.invoice_no START 1000 INCREMENT 5;
  CREATE TABLE ${s}.accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email extensions.citext NOT NULL UNIQUE,
    mood ${s}.mood NOT NULL DEFAULT 'happy'::${s}.mood,
    "Display Name" text COLLATE "C",
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_email_check CHECK (position('@' in email::text) > 1));
  CREATE TABLE ${s}.invoices (
    id serial PRIMARY KEY,
    no integer NOT NULL DEFAULT nextval('${s}.invoice_no'::regclass),
    account_id bigint NOT NULL REFERENCES ${s}.accounts (id) ON DELETE CASCADE,
    total numeric(12,2) NOT NULL DEFAULT 0,
    paid boolean);
  CREATE INDEX invoices_unpaid ON ${s}.invoices (account_id, lower(no::text)) WHERE paid IS NOT TRUE;
  COMMENT ON TABLE ${s}.invoices IS 'one per order';
  COMMENT ON COLUMN ${s}.invoices.total IS 'in euros';
  CREATE TABLE ${s}.events (id bigint NOT NULL, at date NOT NULL, kind text, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
  CREATE TABLE ${s}.events_2024 PARTITION OF ${s}.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
  CREATE TABLE ${s}.events_rest PARTITION OF ${s}.events DEFAULT;
  CREATE INDEX events_kind ON ${s}.events (kind);`;

describe('real schemas as SQL manifests', () => {
  test('Chinook builds an empty tenant that pg_dump shows identical to the one psql loaded from the same file', async () => {
    const text = await readFile(path.join(fixtures, 'chinook', 'postgres.schema.sql'), 'utf8');
    await withClient(db.url, async (c) => {
      await c.query('CREATE SCHEMA chinook_a; SET search_path TO chinook_a');
      await c.query(text);
    });
    const p = await project(['chinook_a', 'chinook_b'], 'schema/chinook.sql', { 'schema/chinook.sql': text });
    await buildAndConverge(p, 'chinook_b');
    expect(await p.withEngine(async (e) => (await e.plan()).inSync)).toEqual(['chinook_a', 'chinook_b']);
    expect(await dumpOf('chinook_b')).toBe(await dumpOf('chinook_a'));
  });

  test("Pagila's pg_dump compiles as the manifest, and the tenant loaded from that dump is in sync with it", async () => {
    // pg_dump's file as it is: SET, set_config, owners, grants, COMMENT ON SCHEMA, everything named public.*.
    const file = path.join(fixtures, 'pagila', 'pagila-schema.sql');
    const other = await createTestDatabase('sqlmanifest_pagila');
    try {
      await run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-f', file, other.url]);
      await withClient(other.url, (c) => c.query('ALTER SCHEMA public RENAME TO pagila_a; CREATE SCHEMA public'));
      const p = await createTempProject({ engine: 'postgres', url: other.url, tenants: { list: ['pagila_a'] }, manifest: 'schema/pagila.sql', apply: { retries: 0 } });
      projects.push(p);
      await cp(file, path.join(p.dir, 'schema', 'pagila.sql'));
      await p.withEngine(async (e) => {
        const plan = await e.plan();
        expect(plan.groups).toEqual([]);
        expect(plan.inSync).toEqual(['pagila_a']);
        const desired = await e.project.desired.desiredFor({ name: 'pagila_a', labels: [] });
        expect(desired.schema.tables.map((t) => t.name)).toEqual(expect.arrayContaining(['actor', 'film', 'payment', 'rental', 'store']));
        // The defaults name the tenant's own sequence, whatever its schema: public. was taken out of the regclass literal.
        const actorId = desired.schema.tables.find((t) => t.name === 'actor')!.columns.find((c) => c.name === 'id' || c.name === 'actor_id')!;
        expect(actorId.default).toMatch(/nextval\('actor_actor_id_seq'::regclass\)/);
      });
    } finally {
      await other.drop();
    }
  }, 180_000);
});

describe('a pg_dump of a reference tenant as the manifest', () => {
  test('builds a second tenant that pg_dump shows identical to the first', async () => {
    await sql(REFERENCE('ref_a'));
    const { stdout } = await run('pg_dump', ['--schema-only', '--schema=ref_a', db.url]);
    // The dump as pg_dump 15 writes it: psql's \restrict line, set_config, owners, CREATE SCHEMA ref_a.
    expect(stdout).toMatch(/^\\restrict /m);
    expect(stdout).toMatch(/CREATE SCHEMA ref_a;/);
    expect(stdout).toMatch(/OWNER TO/);
    const p = await project(['ref_a', 'ref_b'], 'schema/ref.sql', { 'schema/ref.sql': stdout });
    await buildAndConverge(p, 'ref_b');
    expect(await dumpOf('ref_b')).toBe(await dumpOf('ref_a'));
    expect(await p.withEngine(async (e) => (await e.plan()).inSync)).toEqual(['ref_a', 'ref_b']);
  });

  test('{ sql, schema } names the dumped schema when the objects name several', async () => {
    await sql(REFERENCE('ref_c'));
    const { stdout } = await run('pg_dump', ['--schema-only', '--schema=ref_c', db.url]);
    // A second schema's table in the same file: detection cannot choose, the config says.
    const two = `${stdout}\nCREATE TABLE ref_x.stray (id int);\n`;
    const ambiguous = await project(['ref_c'], 'schema/ref.sql', { 'schema/ref.sql': two });
    const line = two.split('\n').findIndex((l) => l.startsWith('CREATE TABLE ref_x.stray')) + 1;
    await expect(ambiguous.withEngine((e) => e.plan())).rejects.toThrow(new RegExp(`schema/ref\\.sql:${line}: .*creates ref_x\\.stray, but .*schema/ref\\.sql:\\d+ creates ref_c\\.\\w+: .*manifest: \\{ sql: <file>, schema: <name> \\}`));
    const named = await project(['ref_c'], { sql: 'schema/ref.sql', schema: 'ref_c' }, { 'schema/ref.sql': two });
    await expect(named.withEngine((e) => e.plan())).rejects.toThrow(new RegExp(`schema/ref\\.sql:${line}: .*creates ref_x\\.stray, outside ref_c`));
    const clean = await project(['ref_c'], { sql: 'schema/ref.sql', schema: 'ref_c' }, { 'schema/ref.sql': stdout });
    expect(await clean.withEngine(async (e) => (await e.plan()).inSync)).toEqual(['ref_c']);
  });
});

describe('inspect -o x.sql', () => {
  test('writes the tenant as tenant-neutral SQL that, as the manifest, plans nothing for it and builds another tenant like it', async () => {
    await sql(REFERENCE('insp_a'));
    const p = await project(['insp_a', 'insp_b'], 'schema/insp.sql');
    const out = await runCli(['inspect', '--config', p.configFile, '--tenant', 'insp_a', '-o', 'schema/insp.sql'], { cwd: p.dir });
    expect(out.stderr).toMatch(/Wrote schema\/insp\.sql: 5 tables, 1 enums/);
    expect(out.code).toBe(0);
    const text = await readFile(path.join(p.dir, 'schema', 'insp.sql'), 'utf8');
    expect(text).not.toContain('insp_a.');
    expect(text).toMatch(/CREATE TYPE "?mood"? AS ENUM/);
    expect(text).toContain("nextval('\"invoice_no\"'::regclass)");
    await p.withEngine(async (e) => expect((await e.plan({ tenants: ['insp_a'] })).inSync).toEqual(['insp_a']));
    await buildAndConverge(p, 'insp_b');
    expect(await dumpOf('insp_b')).toBe(await dumpOf('insp_a'));
  });
});

describe('folders and commands', () => {
  const types = "CREATE TYPE status AS ENUM ('open', 'closed');\n";
  const tables = 'CREATE TABLE tickets (\n  id bigint PRIMARY KEY,\n  status status NOT NULL DEFAULT \'open\'\n);\nCREATE INDEX tickets_status ON tickets (status);\n';

  test('a folder of .sql files runs in file-name order; other files are ignored', async () => {
    const p = await project(['folder_b'], 'schema/sql', {
      'schema/sql/20-tables.sql': tables,
      'schema/sql/10-types.sql': types,
      'schema/sql/README.md': 'DROP TABLE everything;',
    });
    await buildAndConverge(p, 'folder_b');
    const status = await withClient(db.url, async (c) => (await c.query("SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'folder_b.tickets'::regclass AND attname = 'status'")).rows[0]);
    expect(status).toEqual({ t: 'folder_b.status' });
  });

  test('an error in a folder names the file and line within it', async () => {
    const p = await project(['folder_c'], 'schema/sql', {
      'schema/sql/10-types.sql': types,
      'schema/sql/20-tables.sql': tables.replace("DEFAULT 'open'", "DEFAULT 'open',\n  owner no_such_type"),
    });
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(/schema\/sql\/20-tables\.sql:4: the server refused it while compiling the desired schema: type "no_such_type" does not exist/);
  });

  test('{ command } compiles what the command prints, run in the config directory', async () => {
    const p = await project(['cmd_b'], { command: 'cat sql/10-types.sql sql/20-tables.sql' }, { 'sql/10-types.sql': types, 'sql/20-tables.sql': tables });
    await buildAndConverge(p, 'cmd_b');
    const info = await p.withEngine((e) => e.project.desired.manifestInfo());
    expect(info.path).toBe('command "cat sql/10-types.sql sql/20-tables.sql"');
  });

  test('a failing command shows its exit code and stderr; a slow one its timeout; an error in its SQL names the command and line', async () => {
    const failing = await project(['cmd_c'], { command: 'echo "models could not load" >&2; exit 3' });
    await expect(failing.withEngine((e) => e.plan())).rejects.toThrow(/manifest command "echo .*" failed with exit code 3:\nmodels could not load/);
    const slow = await project(['cmd_c'], { command: 'sleep 20', timeout: '300ms' });
    await expect(slow.withEngine((e) => e.plan())).rejects.toThrow(/manifest command "sleep 20" did not finish within 0\.3s/);
    const broken = await project(['cmd_c'], { command: 'printf "CREATE TABLE a (id int);\\nCREATE TABLE b (id nope);\\n"' });
    await expect(broken.withEngine((e) => e.plan())).rejects.toThrow(/command "printf .*":2: the server refused it while compiling the desired schema: type "nope" does not exist/);
  });

  test('the plan records the SQL in the manifest digest', async () => {
    const p = await project(['digest_a'], 'schema/a.sql', { 'schema/a.sql': tables.replace("DEFAULT 'open'", '').replace('status status', 'status text') });
    const first = await p.withEngine((e) => e.project.desired.manifestInfo());
    await writeFile(path.join(p.dir, 'schema', 'a.sql'), tables.replace("DEFAULT 'open'", '').replace('status status', 'status varchar'));
    const second = await p.withEngine((e) => e.project.desired.manifestInfo());
    expect(first.path).toBe('schema/a.sql');
    expect(second.digest).not.toBe(first.digest);
  });
});

describe('what a dump holds besides the schema', () => {
  const structure = [
    '\\restrict 4NdTfbfFkv0Jb0gT2Uu1oTZ2eCMbhm9',
    'SET statement_timeout = 0;',
    "SELECT pg_catalog.set_config('search_path', '', false);",
    'SET check_function_bodies = false;',
    'CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;',
    "COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';",
    'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;',
    'CREATE TABLE public.users (',
    '    id bigint NOT NULL,',
    '    email extensions.citext NOT NULL',
    ');',
    'ALTER TABLE public.users OWNER TO app;',
    'CREATE SEQUENCE public.users_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1;',
    'ALTER SEQUENCE public.users_id_seq OWNED BY public.users.id;',
    "ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);",
    'CREATE TABLE public.schema_migrations (version character varying NOT NULL);',
    'ALTER TABLE ONLY public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);',
    'ALTER TABLE ONLY public.schema_migrations ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);',
    'GRANT SELECT ON TABLE public.users TO PUBLIC;',
    'SET search_path TO "$user", public;',
    'INSERT INTO "schema_migrations" (version) VALUES',
    "('20240101000000'),",
    "('20240202000000');",
    '\\unrestrict 4NdTfbfFkv0Jb0gT2Uu1oTZ2eCMbhm9',
    '',
  ].join('\n');

  test("a Rails structure.sql's settings, owners, grants, extensions, psql commands and schema_migrations rows are skipped", async () => {
    const p = await project(['rails_b'], 'db/structure.sql', { 'db/structure.sql': structure });
    await buildAndConverge(p, 'rails_b');
    const tables = await withClient(db.url, async (c) => (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'rails_b' ORDER BY 1")).rows.map((r) => r.tablename));
    expect(tables).toEqual(['schema_migrations', 'users']);
    // Rows are data: no tenant receives them.
    expect(await withClient(db.url, async (c) => (await c.query('SELECT count(*)::int AS n FROM rails_b.schema_migrations')).rows[0].n)).toBe(0);
  });

  const refusals: [string, string, RegExp][] = [
    ['a syntax error', 'CREATE TABLE a (id int);\n\nCREATE TABLE b (id int,,);\n', /schema\.sql:3: .*PostgreSQL's parser refuses it: syntax error at or near ","/],
    ['a statement that is no object', 'CREATE TABLE a (id int);\nDROP TABLE a;\n', /schema\.sql:2: .*"DROP TABLE a;?" is not one/],
    ['rows for a table', 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n', /schema\.sql:2: .*"INSERT INTO a": it inserts rows: a desired schema holds no data/],
    ['another schema', 'CREATE SCHEMA reports;\n', /schema\.sql:1: .*"CREATE SCHEMA reports;?": it creates a schema \(reports\)/],
    ['an extension not installed', 'CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA extensions;\nCREATE TABLE a (h extensions.hstore);\n', /schema\.sql:1: .*the extension hstore is not installed in this database; schema-sync never creates an extension/],
    ['an extension in another schema than installed', 'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA elsewhere;\n', /schema\.sql:1: .*the extension citext is installed in schema extensions, but the SQL expects it in elsewhere/],
    [
      "an object named like a member of an extension in the dumped schema",
      'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;\nCREATE TABLE public.a (t text);\nCREATE FUNCTION public.similarity(text, text) RETURNS real LANGUAGE sql AS $$ SELECT 1::real $$;\n',
      /schema\.sql:3: .*creates public\.similarity, a name an extension installed in public has too/,
    ],
    ['a table alias named like the schema', 'CREATE TABLE public.a (id int);\nCREATE VIEW public.v AS SELECT public.id FROM public.a public;\n', /schema\.sql:2: .*names qualified with public could not be taken out safely/],
  ];
  test.each(refusals)('%s is refused with its file and line', async (_what, text, expected) => {
    const p = await project(['refused'], 'schema.sql', { 'schema.sql': text });
    await expect(p.withEngine((e) => e.plan())).rejects.toThrow(expected);
  });

  test("an extension installed in the dumped schema (public, as Rails dumps it) keeps its objects named there; the tenant's own lose the qualifier", async () => {
    const text = [
      'CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;',
      "COMMENT ON EXTENSION pg_trgm IS 'text similarity';",
      'CREATE TABLE public.docs (id integer NOT NULL, title text);',
      'ALTER TABLE ONLY public.docs ADD CONSTRAINT docs_pkey PRIMARY KEY (id);',
      'CREATE INDEX docs_title_trgm ON public.docs USING gin (title public.gin_trgm_ops);',
      "CREATE INDEX docs_title_sim ON public.docs USING btree (public.similarity(title, 'x'::text));",
      '',
    ].join('\n');
    const p = await project(['trgm_b'], 'db/structure.sql', { 'db/structure.sql': text });
    await buildAndConverge(p, 'trgm_b');
    // Printed with an empty search_path, so that every schema shows.
    const indexes = await withClient(db.url, async (c) => {
      await c.query("SET search_path TO ''");
      return (await c.query("SELECT indexdef FROM pg_indexes WHERE schemaname = 'trgm_b' ORDER BY indexname")).rows.map((r) => r.indexdef);
    });
    expect(indexes).toEqual([
      'CREATE UNIQUE INDEX docs_pkey ON trgm_b.docs USING btree (id)',
      "CREATE INDEX docs_title_sim ON trgm_b.docs USING btree (public.similarity(title, 'x'::text))",
      'CREATE INDEX docs_title_trgm ON trgm_b.docs USING gin (title public.gin_trgm_ops)',
    ]);
  });

  test('a dump by pg_dump before 10, which sets search_path and names nothing, builds its tables', async () => {
    const text = 'CREATE SCHEMA old_a;\n\nSET search_path = old_a, pg_catalog;\n\nCREATE TABLE things (\n    id integer NOT NULL\n);\n\nALTER TABLE ONLY things\n    ADD CONSTRAINT things_pkey PRIMARY KEY (id);\n';
    const p = await project(['old_b'], 'schema.sql', { 'schema.sql': text });
    await buildAndConverge(p, 'old_b');
    const keys = await withClient(db.url, async (c) => (await c.query("SELECT conname FROM pg_constraint WHERE conrelid = 'old_b.things'::regclass")).rows.map((r) => r.conname));
    expect(keys).toEqual(['things_pkey']);
  });

  test('a function body stays as written; its SET search_path naming the dumped schema names the tenant', async () => {
    const text = [
      'CREATE TABLE public.a (id int);',
      'CREATE FUNCTION public.count_a() RETURNS bigint LANGUAGE sql SET search_path = public, pg_temp',
      "    AS $$ SELECT count(*) FROM public.a $$;",
      '',
    ].join('\n');
    const p = await project(['fn_b'], 'schema.sql', { 'schema.sql': text });
    // The compile runs the function's CREATE: a body that lost or kept the wrong qualifier is still valid SQL, so look at what it ran.
    const { sqlStatements } = await import('../src/engines/postgres/internal/sql-source.js');
    const { before } = await sqlStatements([{ text, file: 'schema.sql', line: 1, wholeSchema: {} }], { searchPath: 'tenant_x' });
    expect(before.map((s) => s.text)).toEqual([
      'CREATE TABLE a (id int)',
      'CREATE FUNCTION count_a() RETURNS bigint LANGUAGE sql SET search_path = "tenant_x", pg_temp\n    AS $$ SELECT count(*) FROM public.a $$',
    ]);
    await buildAndConverge(p, 'fn_b');
  });
});

describe('overrides on a SQL manifest', () => {
  test("an override's table and sql: are added, and its exclusions take the manifest's tables out", async () => {
    const p = await project(['ovr_b'], 'schema.sql', { 'schema.sql': 'CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE legacy (id int);\n' });
    await p.writeOverride('10-extra.yaml', { tenants: ['ovr_*'], tables: { extra: { columns: { id: 'integer' } } }, exclude: { tables: ['legacy'] } });
    await buildAndConverge(p, 'ovr_b');
    const tables = await withClient(db.url, async (c) => (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'ovr_b' ORDER BY 1")).rows.map((r) => r.tablename));
    expect(tables).toEqual(['a', 'extra']);
  });
});

describe('the config', () => {
  test('a manifest map with an unknown key is refused at its line, before any database work', async () => {
    const p = await project(['cfg'], { command: 'cat schema.sql', schemaName: 'x' });
    await expect(p.open()).rejects.toThrow(/schema-sync\.yaml:\d+:\d+: manifest: unknown property 'schemaName'/);
    const both = await project(['cfg'], { command: 'cat schema.sql', sql: 'schema.sql' });
    await expect(both.open()).rejects.toThrow(/schema-sync\.yaml: manifest: give either 'sql' \(a file or folder\) or 'command', not both/);
  });

  test('SQLite refuses a SQL manifest plainly: its compile runs YAML only, for now', async () => {
    const p = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'data/*.db' }, manifest: 'schema.sql' });
    projects.push(p);
    await writeFile(path.join(p.dir, 'schema.sql'), 'CREATE TABLE a (id integer);\n');
    await expect(p.withEngine((e) => e.project.desired.load())).rejects.toThrow(/schema\.sql: a SQL manifest is compiled on PostgreSQL only, for now; for sqlite, write the manifest in YAML/);
  });
});
