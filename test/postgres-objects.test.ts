// Views, materialized views, routines, triggers, row-level security and policies, domains and
// composite types, between two schemas built by hand: the inspector reads both, the diff and the
// renderer take the first to the second, and the first is then read back equal to the second,
// with nothing left to plan. The desired side is a schema the server built, as the compiled
// manifest will be.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type pg from 'pg';
import { noRenames } from '../src/model/desired.js';
import { expectedSchema } from '../src/diff/expected-schema.js';
import { noExclusions } from '../src/model/desired.js';
import { fingerprint } from '../src/model/fingerprint.js';
import type { SchemaModel } from '../src/model/types.js';
import { connectClient, quoteIdent } from '../src/engines/postgres/internal/connect.js';
import { inspectSchemas } from '../src/engines/postgres/internal/inspect.js';
import { refineChanges } from '../src/engines/postgres/internal/refine.js';
import { renderChanges } from '../src/engines/postgres/internal/render.js';
import { checkPlannedStatements } from '../src/engines/postgres/internal/statements.js';
import { diffTenant } from '../src/plan/plan-tenant.js';
import { renderGroup, sqlForTenant, type PlanGroup } from '../src/plan/plan-file.js';
import type { HazardCode } from '../src/plan/hazards.js';
import { createTestDatabase } from './helpers/postgres.js';

interface ObjectCase {
  readonly name: string;
  readonly before: string;
  readonly after: string;
  readonly changes: readonly string[];
  readonly hazards?: readonly HazardCode[];
}

const film = 'CREATE TABLE film (id integer PRIMARY KEY, title text, year integer);';
const stamp = `
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := coalesce(NEW.title, 'untitled'); RETURN NEW; END $$;`;

const cases: ObjectCase[] = [
  {
    name: 'a view is created',
    before: film,
    after: `${film} CREATE VIEW recent AS SELECT id, title FROM film WHERE year > 2000;`,
    changes: ['createObject'],
    hazards: [],
  },
  {
    name: 'a changed view recreates the view and materialized view on it, dependants first',
    before: `${film}
      CREATE VIEW recent AS SELECT id, title FROM film WHERE year > 2000;
      CREATE VIEW recent_titles AS SELECT title FROM recent;
      CREATE MATERIALIZED VIEW recent_ids AS SELECT id FROM recent;`,
    after: `${film}
      CREATE VIEW recent AS SELECT id, title FROM film WHERE year > 2010;
      CREATE VIEW recent_titles AS SELECT title FROM recent;
      CREATE MATERIALIZED VIEW recent_ids AS SELECT id FROM recent;`,
    changes: ['dropObject', 'dropObject', 'dropObject', 'createObject', 'createObject', 'createObject'],
    hazards: ['DROPS_DEPENDED_ON_OBJECT'],
  },
  {
    name: 'a view is dropped',
    before: `${film} CREATE VIEW recent AS SELECT id FROM film;`,
    after: film,
    changes: ['dropObject'],
    hazards: [],
  },
  {
    name: "a column's type changes under a view that reads it",
    before: `${film} CREATE VIEW years AS SELECT id, year FROM film;`,
    after: `CREATE TABLE film (id integer PRIMARY KEY, title text, year bigint); CREATE VIEW years AS SELECT id, year FROM film;`,
    changes: ['dropObject', 'alterColumn', 'createObject'],
  },
  {
    name: 'view options and a comment',
    before: `${film} CREATE VIEW v AS SELECT id FROM film;`,
    after: `${film} CREATE VIEW v WITH (security_barrier) AS SELECT id FROM film; COMMENT ON VIEW v IS 'ids';`,
    changes: ['dropObject', 'createObject'],
  },
  {
    name: 'only a comment changes in place',
    before: `${film} CREATE VIEW v AS SELECT id FROM film;`,
    after: `${film} CREATE VIEW v AS SELECT id FROM film; COMMENT ON VIEW v IS 'ids';`,
    changes: ['alterObject'],
    hazards: [],
  },
  {
    name: 'a function and the trigger that calls it are created, the function before the table',
    before: '',
    after: `${film}${stamp} CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();`,
    changes: ['createObject', 'createTable', 'createObject'],
  },
  {
    name: "a function's body changes in place under its trigger",
    before: `${film}${stamp} CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();`,
    after: `${film}
      CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.title := coalesce(NEW.title, '?'); RETURN NEW; END $$;
      CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();`,
    changes: ['replaceObject'],
    hazards: ['REPLACES_ROUTINE_IN_USE'],
  },
  {
    name: "a function's volatility, strictness, security and search_path change in place",
    before: `CREATE FUNCTION add1(x integer) RETURNS integer LANGUAGE sql AS $$ SELECT x + 1 $$;`,
    after: `CREATE FUNCTION add1(x integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT x + 1 $$;`,
    changes: ['replaceObject'],
    hazards: [],
  },
  {
    name: "a function's result type changes: dropped and created with its dependants",
    before: `${film}
      CREATE FUNCTION label(x integer) RETURNS text LANGUAGE sql AS $$ SELECT 'f' || x $$;
      CREATE VIEW labels AS SELECT label(id) AS label FROM film;`,
    after: `${film}
      CREATE FUNCTION label(x integer) RETURNS character varying LANGUAGE sql AS $$ SELECT 'f' || x $$;
      CREATE VIEW labels AS SELECT label(id) AS label FROM film;`,
    changes: ['dropObject', 'dropObject', 'createObject', 'createObject'],
    hazards: ['DROPS_DEPENDED_ON_OBJECT'],
  },
  {
    name: 'a function used by an index is replaced',
    before: `CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;
      CREATE TABLE tag (name text); CREATE INDEX tag_norm ON tag (norm(name));`,
    after: `CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(t) $$;
      CREATE TABLE tag (name text); CREATE INDEX tag_norm ON tag (norm(name));`,
    changes: ['replaceObject'],
    hazards: ['REPLACES_ROUTINE_IN_USE'],
  },
  {
    name: 'overloads are told apart, and one is dropped',
    before: `CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;
      CREATE FUNCTION f(a text) RETURNS text LANGUAGE sql AS $$ SELECT a $$;`,
    after: `CREATE FUNCTION f(a integer) RETURNS integer LANGUAGE sql AS $$ SELECT a $$;`,
    changes: ['dropObject'],
  },
  {
    name: 'an aggregate and its state function are created, and a view that uses it',
    before: film,
    after: `${film}
      CREATE FUNCTION cat(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a || ', ', '') || b $$;
      CREATE AGGREGATE concat_all(text) (SFUNC = cat, STYPE = text, INITCOND = '');
      CREATE VIEW titles AS SELECT concat_all(title) AS titles FROM film;`,
    changes: ['createObject', 'createObject', 'createObject'],
  },
  {
    name: "an aggregate's initial state changes: recreated under its view",
    before: `${film}
      CREATE FUNCTION cat(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a || ', ', '') || b $$;
      CREATE AGGREGATE concat_all(text) (SFUNC = cat, STYPE = text);
      CREATE VIEW titles AS SELECT concat_all(title) AS titles FROM film;`,
    after: `${film}
      CREATE FUNCTION cat(a text, b text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a || ', ', '') || b $$;
      CREATE AGGREGATE concat_all(text) (SFUNC = cat, STYPE = text, INITCOND = '', PARALLEL = SAFE);
      CREATE VIEW titles AS SELECT concat_all(title) AS titles FROM film;`,
    changes: ['dropObject', 'dropObject', 'createObject', 'createObject'],
    hazards: ['DROPS_DEPENDED_ON_OBJECT'],
  },
  {
    name: 'a procedure is created, changed and its comment set',
    before: `CREATE PROCEDURE touch(n integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM n; END $$;`,
    after: `CREATE PROCEDURE touch(n integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM n + 1; END $$;
      COMMENT ON PROCEDURE touch(integer) IS 'touches';
      CREATE PROCEDURE noop() LANGUAGE sql AS $$ SELECT 1 $$;`,
    changes: ['replaceObject', 'createObject'],
  },
  {
    name: "a trigger's WHEN changes",
    before: `${film}${stamp} CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();`,
    after: `${film}${stamp} CREATE TRIGGER film_stamp BEFORE INSERT OR UPDATE OF title ON film FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION stamp();`,
    changes: ['dropObject', 'createObject'],
  },
  {
    name: 'a trigger is disabled in place, and another dropped',
    before: `${film}${stamp}
      CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();
      CREATE TRIGGER film_stamp2 BEFORE UPDATE ON film FOR EACH ROW EXECUTE FUNCTION stamp();`,
    after: `${film}${stamp}
      CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();
      ALTER TABLE film DISABLE TRIGGER film_stamp;`,
    changes: ['dropObject', 'alterObject'],
  },
  {
    name: 'row-level security is enabled and forced, with a policy',
    before: film,
    after: `${film} ALTER TABLE film ENABLE ROW LEVEL SECURITY; ALTER TABLE film FORCE ROW LEVEL SECURITY;
      CREATE POLICY recent_only ON film AS RESTRICTIVE FOR SELECT TO PUBLIC USING (year > 2000);`,
    changes: ['setRowSecurity', 'createObject'],
    hazards: [],
  },
  {
    name: "a policy's expression changes",
    before: `${film} ALTER TABLE film ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON film USING (year > 2000);`,
    after: `${film} ALTER TABLE film ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON film USING (year > 2010) WITH CHECK (year > 2020);`,
    changes: ['dropObject', 'createObject'],
  },
  {
    name: 'row-level security is disabled and its policy dropped',
    before: `${film} ALTER TABLE film ENABLE ROW LEVEL SECURITY; CREATE POLICY p ON film USING (year > 2000);`,
    after: film,
    changes: ['dropObject', 'setRowSecurity'],
    hazards: ['WEAKENS_SECURITY'],
  },
  {
    name: 'a domain is created before the table that uses it',
    before: '',
    after: `CREATE DOMAIN year AS integer DEFAULT 2000 NOT NULL CONSTRAINT year_range CHECK (VALUE > 1900);
      CREATE TABLE film (id integer, made year);`,
    changes: ['createObject', 'createTable'],
  },
  {
    name: "a domain's check, default and NOT NULL change in place under its column",
    before: `CREATE DOMAIN year AS integer CONSTRAINT year_range CHECK (VALUE > 1900); CREATE TABLE film (id integer, made year);`,
    after: `CREATE DOMAIN year AS integer DEFAULT 2001 NOT NULL CONSTRAINT year_range CHECK (VALUE > 1950); CREATE TABLE film (id integer, made year);`,
    changes: ['alterObject'],
    hazards: ['MAY_FAIL_ON_EXISTING_ROWS'],
  },
  {
    name: 'a domain is dropped after the column that used it',
    before: `CREATE DOMAIN year AS integer; CREATE TABLE film (id integer, made year);`,
    after: `CREATE TABLE film (id integer);`,
    changes: ['dropColumn', 'dropObject'],
  },
  {
    name: 'a composite type and a function taking it',
    before: '',
    after: `CREATE TYPE pair AS (a integer, b text COLLATE "C");
      CREATE FUNCTION first(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT p.a $$;`,
    changes: ['createObject', 'createObject'],
  },
  {
    name: 'a composite type gets an attribute: altered in place under the function that takes it',
    before: `CREATE TYPE pair AS (a integer, b text);
      CREATE FUNCTION first(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT p.a $$;`,
    after: `CREATE TYPE pair AS (a integer, b text, c boolean);
      CREATE FUNCTION first(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT p.a $$;`,
    changes: ['alterObject'],
  },
  {
    name: 'a composite type inserts an attribute: recreated with the function that takes it',
    before: `CREATE TYPE pair AS (a integer, b text);
      CREATE FUNCTION first(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT p.a $$;`,
    after: `CREATE TYPE pair AS (a integer, c boolean, b text);
      CREATE FUNCTION first(p pair) RETURNS integer LANGUAGE sql AS $$ SELECT p.a $$;`,
    changes: ['dropObject', 'dropObject', 'createObject', 'createObject'],
    hazards: ['DROPS_DEPENDED_ON_OBJECT'],
  },
  {
    name: "a materialized view's index is added in place",
    before: `${film} CREATE MATERIALIZED VIEW ids AS SELECT id FROM film;`,
    after: `${film} CREATE MATERIALIZED VIEW ids AS SELECT id FROM film; CREATE UNIQUE INDEX ids_id ON ids (id);`,
    changes: ['alterObject'],
  },
  {
    name: 'a materialized view is dropped',
    before: `${film} CREATE MATERIALIZED VIEW ids AS SELECT id FROM film; CREATE INDEX ids_id ON ids (id);`,
    after: film,
    changes: ['dropObject'],
    hazards: ['DELETES_DATA'],
  },
  {
    name: 'a table is dropped with the view, trigger and policy on it',
    before: `${film}${stamp} CREATE VIEW v AS SELECT id FROM film;
      CREATE TRIGGER film_stamp BEFORE INSERT ON film FOR EACH ROW EXECUTE FUNCTION stamp();
      CREATE POLICY p ON film USING (true);`,
    after: stamp,
    changes: ['dropObject', 'dropObject', 'dropObject', 'dropTable'],
  },
];

let db: { name: string; url: string; drop: () => Promise<void> };
let client: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase('objects');
  client = await connectClient(db.url);
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

async function build(schema: string, sql: string): Promise<void> {
  await client.query(`CREATE SCHEMA ${quoteIdent(schema)}; SET search_path TO ${quoteIdent(schema)}; ${sql}; RESET search_path`);
}

async function read(schema: string): Promise<SchemaModel> {
  const model = (await inspectSchemas(client, [schema])).get(schema);
  if (model === undefined) throw new Error(`schema ${schema} not read`);
  return model;
}

/** As Project.tenantObjects: the tenant's types (a domain is one) get its qualifier in column types. */
function tenantObjects(...schemas: SchemaModel[]): { types: string[]; sequences: string[] } {
  const types = new Set<string>();
  for (const schema of schemas) {
    for (const e of schema.enums) types.add(e.name);
    for (const t of schema.externalTypes ?? []) if (!t.includes('.')) types.add(t);
  }
  return { types: [...types].sort(), sequences: [] };
}

function diff(current: SchemaModel, desired: SchemaModel) {
  return diffTenant('t', current, { schema: desired, renames: noRenames, excluded: noExclusions, overrides: [], sql: [] }, refineChanges);
}

describe('objects converge between two hand-built schemas', () => {
  test.each(cases.map((c, i) => ({ ...c, i })))('$name', async (c) => {
    const live = `obj_${c.i}_live`;
    const wanted = `obj_${c.i}_wanted`;
    await build(live, c.before);
    await build(wanted, c.after);
    const desired = await read(wanted);
    const current = await read(live);
    const { changes } = diff(current, desired);
    expect(changes.map((ch) => ch.kind)).toEqual(c.changes);

    const objects = tenantObjects(current, desired);
    const options = { concurrentIndexes: false, indexTimeoutMs: 60_000 };
    const { placeholder, steps } = renderGroup(changes, objects, options, renderChanges);
    if (c.hazards !== undefined) expect([...new Set(steps.flatMap((s) => s.hazards.map((h) => h.code)))].sort()).toEqual([...c.hazards].sort());
    const statements = steps.flatMap((s) => s.sql);
    expect(await checkPlannedStatements(statements, placeholder)).toBeUndefined();
    // Plain data: the recorded changes render the same SQL again.
    expect(renderGroup(JSON.parse(JSON.stringify(changes)), objects, options, renderChanges).steps).toEqual(steps);

    const group = { placeholder } as PlanGroup;
    await client.query('BEGIN');
    try {
      for (const s of steps) for (const sql of sqlForTenant(group, s, quoteIdent(live))) await client.query(sql);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    }
    const after = await read(live);
    expect(after.objects ?? []).toEqual(desired.objects ?? []);
    expect(fingerprint(after)).toBe(fingerprint(desired));
    expect(diff(after, desired).changes).toEqual([]);
  });
});

describe('inspection of objects', () => {
  // Every kind, with a view over a view, a function a view and a check call, a trigger left disabled.
  const everything = `
    CREATE DOMAIN year AS integer DEFAULT 2000 CONSTRAINT year_range CHECK (VALUE > 1900);
    CREATE TYPE pair AS (a integer, b text COLLATE "C");
    CREATE FUNCTION norm(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(t) $$;
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE PROCEDURE noop(n integer) LANGUAGE plpgsql AS $$ BEGIN PERFORM n; END $$;
    CREATE AGGREGATE concat_all(text) (SFUNC = textcat, STYPE = text, INITCOND = '');
    CREATE TABLE film (id integer PRIMARY KEY, title text CHECK (norm(title) <> ''), made year, p pair);
    CREATE VIEW titles WITH (security_barrier) AS SELECT id, norm(title) AS title FROM film;
    CREATE VIEW all_titles AS SELECT concat_all(title) AS titles FROM titles;
    CREATE MATERIALIZED VIEW ids AS SELECT id FROM film;
    CREATE UNIQUE INDEX ids_id ON ids (id);
    CREATE TRIGGER film_stamp BEFORE INSERT OR UPDATE OF title ON film FOR EACH ROW WHEN (NEW.id > 0) EXECUTE FUNCTION stamp();
    ALTER TABLE film DISABLE TRIGGER film_stamp;
    ALTER TABLE film ENABLE ROW LEVEL SECURITY;
    CREATE POLICY mine ON film AS RESTRICTIVE FOR UPDATE USING (id > 0) WITH CHECK (made > 1950);
    COMMENT ON VIEW titles IS 'normalized';
    COMMENT ON FUNCTION norm(text) IS 'lower case';
    COMMENT ON POLICY mine ON film IS 'positive ids';`;

  beforeAll(() => build('objects_plain', everything));

  test('two schemas built from the same SQL read as equal objects, whatever their names', async () => {
    const hostile = 'objects "x"; drop';
    await build(hostile, everything);
    const plain = await read('objects_plain');
    const other = await read(hostile);
    expect(plain.objects?.map((o) => `${o.kind}:${o.name}`)).toEqual([
      'aggregate:concat_all(text)',
      'composite type:pair',
      'domain:year',
      'function:norm(text)',
      'function:stamp()',
      'materialized view:ids',
      'policy:mine',
      'procedure:noop(integer)',
      'trigger:film_stamp',
      'view:all_titles',
      'view:titles',
    ]);
    expect(other.objects).toEqual(plain.objects);
    expect(other.tables.find((t) => t.name === 'film')?.rowSecurity).toBe(true);
    // Nothing of the schema's own name is left in what was read.
    for (const object of other.objects ?? []) expect(JSON.stringify(object)).not.toContain('drop');
    expect(plain.unmanaged).toEqual([]);
  });

  test.each([
    ['a view body', 'CREATE VIEW titles WITH (security_barrier) AS SELECT id, norm(title) AS title FROM film;', "CREATE VIEW titles WITH (security_barrier) AS SELECT id, norm(title) || '' AS title FROM film;"],
    ['a view option', 'CREATE VIEW titles WITH (security_barrier) AS', 'CREATE VIEW titles AS'],
    ['a function body', '$$ SELECT lower(t) $$', '$$ SELECT upper(t) $$'],
    ['a function volatility', 'LANGUAGE sql IMMUTABLE AS $$ SELECT lower', 'LANGUAGE sql STABLE AS $$ SELECT lower'],
    ["a trigger's WHEN", 'WHEN (NEW.id > 0)', 'WHEN (NEW.id > 1)'],
    ["a trigger's enabled state", 'ALTER TABLE film DISABLE TRIGGER film_stamp;', ''],
    ["a policy's command", 'FOR UPDATE USING', 'FOR ALL USING'],
    ['row-level security', 'ALTER TABLE film ENABLE ROW LEVEL SECURITY;', 'ALTER TABLE film ENABLE ROW LEVEL SECURITY; ALTER TABLE film FORCE ROW LEVEL SECURITY;'],
    ["a domain's default", 'DEFAULT 2000', 'DEFAULT 2001'],
    ["a domain's check", 'CHECK (VALUE > 1900)', 'CHECK (VALUE >= 1900)'],
    ["a composite type's collation", 'b text COLLATE "C"', 'b text'],
    ["an aggregate's initial state", "INITCOND = ''", "INITCOND = '-'"],
    ["a materialized view's index", 'CREATE UNIQUE INDEX ids_id ON ids (id);', 'CREATE INDEX ids_id ON ids (id);'],
    ['a comment', "COMMENT ON POLICY mine ON film IS 'positive ids';", ''],
  ])('one property changed, the models differ: %s', async (what, from, to) => {
    expect(everything).toContain(from);
    const name = `objects_${what.replace(/\W+/g, '_')}`;
    await build(name, everything.replace(from, () => to));
    const changed = await read(name);
    const plain = await read('objects_plain');
    expect(fingerprint(changed)).not.toBe(fingerprint(plain));
    expect(diff(plain, changed).changes.length).toBeGreaterThan(0);
  });

  test('a trigger, policy or view on a table an override excludes is neither dropped nor expected gone', async () => {
    const plain = await read('objects_plain');
    const withoutFilm: SchemaModel = { ...plain, tables: plain.tables.filter((t) => t.name !== 'film'), objects: [] };
    const excluded = { tables: ['film'], columns: {}, indexes: {} };
    const { changes, to, from } = diffTenant('t', plain, { schema: withoutFilm, renames: noRenames, excluded, overrides: [], sql: [] });
    // The routines and types that need no table are the manifest's to drop; nothing on film, and
    // nothing that reads film (all_titles reads it through titles), is.
    const dropped = changes.map((c) => (c.kind === 'dropObject' ? `${c.object.kind}:${c.object.name}` : c.kind));
    expect([...dropped].sort()).toEqual([
      'aggregate:concat_all(text)', 'composite type:pair', 'domain:year', 'function:norm(text)', 'function:stamp()', 'procedure:noop(integer)',
    ]);
    expect(to).not.toBe(from);
    // What apply verifies against keeps them as they are.
    const expected = expectedSchema(plain, withoutFilm, excluded);
    expect(expected.objects?.map((o) => `${o.kind}:${o.name}`)).toEqual([
      'materialized view:ids', 'policy:mine', 'trigger:film_stamp', 'view:all_titles', 'view:titles',
    ]);
  });
});
