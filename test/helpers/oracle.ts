import { execFile } from 'node:child_process';
import path from 'node:path';
import Inspect from '../../src/cli/commands/inspect.js';
import type { SchemaSyncEngine } from '../../src/library/schema-sync.js';
import type { UnmanagedObject } from '../../src/model/types.js';
import type { PlanFile } from '../../src/plan/plan-file.js';
import { inspectTenants } from '../../src/workflow/inspect-tenants.js';
import { runCommand } from './cli.js';
import { readDump } from './fixtures.js';
import { qi, withClient } from './postgres.js';

// The oracle of issue 12: pg_dump, a program nobody in this project wrote, decides whether two
// tenants hold the same schema. Everything here only moves text between pg_dump and the tests;
// none of it interprets SQL beyond the few literal rewrites that put a fixture into a tenant.

/** How a fixture file names its schema, and so how it is put into a tenant. */
export type LoadStyle =
  /** Every object is written `public.x` (pg_dump 10 and later): the qualifier is rewritten to the tenant. */
  | 'qualified'
  /** Objects are unqualified and the file sets `search_path = public, ...`: the tenant is put first in that path. */
  | 'search-path';

export interface SchemaFixture {
  readonly name: string;
  /** Relative to test/fixtures. */
  readonly file: string;
  readonly style: LoadStyle;
}

/**
 * A fixture's SQL, written for one tenant. Only three things change, each a literal rewrite:
 * `public.` qualifiers become the tenant's (qualified files); every `SET search_path` that names
 * public puts the tenant before it, so unqualified objects land in the tenant while extensions
 * installed in public stay reachable; owners and psql meta-commands are dropped (readDump).
 * Tenant names are plain lower-case identifiers, so they need no quoting inside literals such as
 * `nextval('tenant.seq'::regclass)`.
 */
export function sqlForTenant(fixture: SchemaFixture, tenant: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(tenant)) throw new Error(`tenant name ${tenant} must be a plain identifier`);
  let sql = readDump(fixture.file);
  if (fixture.style === 'qualified') sql = sql.replace(/(?<![\w."])public\./g, `${tenant}.`);
  sql = sql.replace(/^SET search_path (?:=|TO) [^;\n]*\bpublic\b[^;\n]*;$/gm, `SET search_path TO ${tenant}, public, pg_catalog;`);
  return sql;
}

/** Creates the tenant's schema and runs the fixture in it, on one session, as psql would. */
export async function loadFixture(url: string, fixture: SchemaFixture, tenant: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`CREATE SCHEMA ${qi(tenant)}`);
    // For the files that never set a search_path themselves (Chinook's extract).
    await client.query(`SET search_path TO ${qi(tenant)}, public, pg_catalog`);
    await client.query(sqlForTenant(fixture, tenant));
  });
}

/** Runs one SQL text in a tenant, unqualified names resolving to the tenant first. */
export async function runInTenant(url: string, tenant: string, sql: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`SET search_path TO ${qi(tenant)}, public, pg_catalog`);
    await client.query(sql);
  });
}

function run(file: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/**
 * `pg_dump --schema-only` of one schema, normalised only where two tenants must differ: the
 * schema's own name becomes `<tenant>`, and the dump's header comments (server and pg_dump
 * versions) and its session SET lines are dropped. Everything else is compared byte for byte.
 */
export async function dumpSchema(url: string, schema: string, options: { privileges?: boolean } = {}): Promise<string> {
  const text = await run('pg_dump', ['--schema-only', '--no-owner', ...(options.privileges ? [] : ['--no-privileges']), `--schema=${schema}`, `--dbname=${url}`]);
  return normalizeDump(text, schema);
}

/**
 * Dumps of many schemas from one pg_dump run, split into one normalised text per schema. pg_dump
 * heads every object with `-- Name: ...; Type: ...; Schema: <schema>; Owner: ...`, so each entry
 * goes to the schema it names; the schema's own CREATE SCHEMA entry (Schema: -) goes to it by
 * name. An entry that belongs to none of them fails loudly rather than being dropped.
 */
export async function dumpSchemas(url: string, schemas: readonly string[]): Promise<Map<string, string>> {
  const args = ['--schema-only', '--no-owner', '--no-privileges', ...schemas.map((s) => `--schema=${s}`), `--dbname=${url}`];
  const whole = await run('pg_dump', args);
  // The closing lines follow the last entry; every schema's text gets them.
  const trailerAt = whole.lastIndexOf('\n--\n-- PostgreSQL database dump complete\n--\n');
  if (trailerAt < 0) throw new Error('pg_dump output has no closing comment');
  const text = whole.slice(0, trailerAt + 1);
  const trailer = whole.slice(trailerAt + 1);
  const header = /^--\n-- (?:Data for )?Name: (.*); Type: (.*); Schema: (.*); Owner: .*\n--\n/gm;
  const starts: { index: number; name: string; schema: string }[] = [];
  for (const m of text.matchAll(header)) starts.push({ index: m.index, name: m[1]!, schema: m[3]! });
  const parts = new Map<string, string[]>(schemas.map((s) => [s, []]));
  const preamble = text.slice(0, starts[0]?.index ?? text.length);
  starts.forEach((start, i) => {
    const entry = text.slice(start.index, starts[i + 1]?.index ?? text.length);
    const owner = start.schema === '-' ? start.name : start.schema;
    const into = parts.get(owner);
    if (!into) throw new Error(`pg_dump entry ${JSON.stringify(start.name)} (schema ${start.schema}) belongs to none of the dumped schemas`);
    into.push(entry);
  });
  return new Map([...parts].map(([schema, entries]) => [schema, normalizeDump(preamble + entries.join('') + trailer, schema)]));
}

export function normalizeDump(text: string, schema: string): string {
  const name = new RegExp(`(?<![\\w$])("?)${schema.replace(/[$]/g, '\\$')}\\1(?![\\w$])`, 'g');
  return (
    text
      // pg_dump 15.14 and later fence the script with a random key, new on every run.
      .replace(/^\\(?:un)?restrict \w+\n/gm, '')
      .replace(/^-- Dumped (?:from database|by pg_dump) version .*\n/gm, '')
      // A SET line goes with the blank line after it: pg_dump writes some (default_tablespace,
      // default_table_access_method) once, before the first object that needs them, which in a
      // dump of many schemas can fall to any of them.
      .replace(/^SET \w+ = .*;\n\n?/gm, '')
      .replace(/^SELECT pg_catalog\.set_config\('search_path', '', false\);\n/gm, '')
      .replace(name, '<tenant>')
      .trimEnd()
  );
}

/**
 * Where two dumps part: the lines between their common beginning and common end, `-` from `a` and
 * `+` from `b`, a few of each, for a failure message a person can read.
 */
export function dumpDifference(a: string, b: string, context = 3, most = 40): string {
  const left = a.split('\n');
  const right = b.split('\n');
  let head = 0;
  while (head < left.length && head < right.length && left[head] === right[head]) head++;
  let tail = 0;
  while (tail < left.length - head && tail < right.length - head && left[left.length - 1 - tail] === right[right.length - 1 - tail]) tail++;
  const before = left.slice(Math.max(0, head - context), head).map((l) => `  ${l}`);
  const removed = left.slice(head, left.length - tail).map((l) => `- ${l}`);
  const added = right.slice(head, right.length - tail).map((l) => `+ ${l}`);
  const cut = (lines: string[]) => (lines.length > most ? [...lines.slice(0, most), `  ... ${lines.length - most} more`] : lines);
  return [`(from line ${head + 1})`, ...before, ...cut(removed), ...cut(added)].join('\n');
}

/**
 * Adopts a tenant by running the `inspect` command itself in this process, as a user would type
 * `schema-sync inspect --config <file> --tenant <t> -o schema/manifest.yaml --force`: whatever
 * `inspect -o` writes is what the tests build from. Its stderr is kept for the error.
 */
export async function adoptTenant(configFile: string, dir: string, tenant: string): Promise<void> {
  const out = path.join(dir, 'schema', 'manifest.yaml');
  const result = await runCommand(Inspect, ['--config', configFile, '--tenant', tenant, '-o', out, '--force']);
  if (result.code !== 0) throw new Error(`inspect --tenant ${tenant} -o exited ${result.code}: ${result.stderr.trim()}`);
}

/** What the project's inspector leaves unmanaged in a tenant (the list `inspect` prints as comments). */
export async function unmanagedObjects(engine: SchemaSyncEngine, tenant: string): Promise<readonly UnmanagedObject[]> {
  const discovered = (await engine.listTenants({ tenants: [tenant] })).filter((t) => t.name === tenant);
  const [inspected] = await inspectTenants(engine.project, discovered);
  if (!inspected?.schema) throw new Error(`cannot inspect ${tenant}: ${inspected?.error ?? 'not found by discovery'}`);
  return inspected.schema.unmanaged ?? [];
}

/** The step summaries of a plan, per tenant: what is left to do. */
export function pendingSteps(plan: PlanFile): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  for (const group of plan.groups) {
    for (const t of group.tenants) steps.set(t.name, group.steps.map((s) => s.summary));
  }
  return steps;
}
