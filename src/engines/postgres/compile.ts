// The desired schema, compiled by the server itself (DESIGN.md invariant 2): each distinct desired
// schema is created in a scratch schema inside a transaction that is always rolled back, and read
// back by the inspector that reads tenants. Nothing of it persists, not even the schema's name.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { SchemaModel } from '../../model/types.js';
import type { CompileFailure, CompileInput, CompileOutcome, InspectScope } from '../types.js';
import { quoteIdent } from './internal/connect.js';
import { CATALOG_SETTINGS, inspectInTransaction } from './internal/inspect.js';
import { type ReadSettings } from '../../domain/settings.js';
import { renderChanges } from './internal/render.js';
import { TENANT_IN_SEARCH_PATH } from './internal/inspect-objects.js';
import { sqlStatements, type ExtensionNeed, type SqlStatement, type SqlStatements } from './internal/sql-source.js';

/**
 * server_version_num of the server that compiles (PostgreSQL prints differently across majors),
 * and whether the compile reads grants: both decide what a compile returns, so the cache's key.
 */
export async function compilerVersion(client: pg.ClientBase, grants: boolean): Promise<string> {
  const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
  return `postgres ${Math.floor(Number(rows[0]?.version ?? 0) / 10000)}${grants ? ' with grants' : ''}`;
}

/** A name no tenant has and no other run uses at the same time; it never outlives the transaction. */
function scratchName(): string {
  return `schema_sync_compile_${randomBytes(8).toString('hex')}`;
}

interface Statement {
  readonly sql: string;
  /** `position`: where in the statement the server placed its error (1-based, in characters). */
  readonly failure: (message: string, position?: number) => CompileFailure;
}

/**
 * undefined_object (a type such as a table's row type) and undefined_table: a type or routine of
 * `sql:` that fails with one before the tables (a function RETURNS SETOF film, which pg_dump
 * orders after the table) is tried again after them.
 */
const WAITS_FOR_TABLES = new Set(['42704', '42P01']);

/**
 * Each input is compiled in a savepoint of one transaction, so one broken desired schema does not
 * hide the others' results. The caller's limits bound every statement (invariant 9).
 */
export async function compileSchemas(client: pg.ClientBase, inputs: readonly CompileInput[], limits: ReadSettings): Promise<CompileOutcome[]> {
  const outcomes: CompileOutcome[] = [];
  await client.query(
    [
      'BEGIN',
      `SET LOCAL lock_timeout = ${Math.max(0, Math.floor(limits.lockTimeoutMs))}`,
      `SET LOCAL statement_timeout = ${Math.max(0, Math.floor(limits.statementTimeoutMs))}`,
      // As pg_dump restores: a function body may name tables created after it.
      'SET LOCAL check_function_bodies = off',
    ].join(';\n'),
  );
  try {
    for (const input of inputs) outcomes.push(await compileOne(client, input, limits.grants === true));
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return outcomes;
}

async function compileOne(client: pg.ClientBase, input: CompileInput, grants: boolean): Promise<CompileOutcome> {
  const scratch = scratchName();
  const qualifier = quoteIdent(scratch);
  let sql: SqlStatements;
  try {
    // The manifest names the tenant's own schema in a routine's SET search_path with the mark.
    const sources = input.sql.map((source) => ({ ...source, text: source.text.split(TENANT_IN_SEARCH_PATH).join(qualifier) }));
    sql = await sqlStatements(sources, { searchPath: scratch, grants, extensionMembers: (needs, dumped) => extensionMembers(client, needs, dumped) });
  } catch (error) {
    if (error instanceof Error) throw error;
    return { ok: false, error: error as CompileFailure };
  }
  const options = { qualifier, concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: input.tenantTypes, tenantSequences: input.tenantSequences };
  // One change at a time, so the server's refusal names the change, and the manifest line behind it.
  const rendered = input.changes.flatMap((change, index) => renderChanges([change], options).map((step) => ({ step, index, grants: change.kind === 'setGrants' })));
  const fromSql = (s: SqlStatement): Statement => ({
    sql: s.text,
    failure: (message, position) => ({ message, source: { file: s.source.file, line: s.source.line + linesBefore(s.text, position) } }),
  });
  const stepStatements = (grants: boolean): Statement[] =>
    rendered
      .filter((r) => r.grants === grants)
      .flatMap(({ step, index }) => step.sql.map((text) => ({ sql: text, failure: (message: string) => ({ message, step: step.summary, change: index }) })));
  const tableSteps = stepStatements(false);
  const before = sql.before.map(fromSql);
  // Grants come last: they may be on what `sql:` makes (a view, a function).
  const after = [...sql.after.map(fromSql), ...stepStatements(true)];
  const statements: Statement[] = [...before, ...tableSteps, ...after];
  const start = `SAVEPOINT compile; CREATE SCHEMA ${qualifier}; SET LOCAL search_path TO ${qualifier}`;
  await client.query(start);
  try {
    // All in one round trip; only when the server refuses one is each sent alone, to name it (or
    // to run a routine that needs a table's row type after the tables). A newline before each `;`
    // ends a statement's trailing line comment first.
    try {
      await client.query(statements.map((s) => s.sql).join('\n;\n'));
    } catch (error) {
      if (!isServerError(error)) throw error;
      await client.query(`ROLLBACK TO SAVEPOINT compile; ${start.replace('SAVEPOINT compile; ', '')}`);
      const failure = await runOneByOne(client, before, tableSteps, after);
      if (failure === 'deferred') {
        // Ran, once the statements that waited for the tables went after them.
      } else if (failure !== undefined) {
        return failure;
      } else {
        // Alone, every statement ran: the one text did not hold them as planned. Said plainly.
        return { ok: false, error: { message: `the statements ran one by one but not together: ${serverMessage(error)}` } };
      }
    }
    await client.query(CATALOG_SETTINGS.join(';\n'));
    let schema = await read(client, scratch, undefined, grants);
    for (let round = input.thenChange?.(schema); round !== undefined; round = input.thenChange?.(schema)) {
      // As the statements before ran: the catalog settings of the read back to the session's.
      const statements = [
        'SAVEPOINT compile_round',
        ...CATALOG_SETTINGS.map((s) => s.replace(/^SET LOCAL (\S+) TO .*$/s, 'SET LOCAL $1 TO DEFAULT')),
        `SET LOCAL search_path TO ${qualifier}`,
        ...renderChanges(round.changes, options).flatMap((step) => step.sql),
        'RELEASE SAVEPOINT compile_round',
        ...CATALOG_SETTINGS,
      ];
      try {
        await client.query(statements.join('\n;\n'));
      } catch (error) {
        if (!isServerError(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT compile_round');
        break;
      }
      schema = await read(client, scratch, round.scope, grants);
    }
    return { ok: true, schema };
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT compile').catch(() => undefined);
  }
}

async function read(client: pg.ClientBase, scratch: string, scope: InspectScope | undefined, grants: boolean): Promise<SchemaModel> {
  const schema = await inspectInTransaction(client, scratch, scope, grants);
  if (!schema) throw new Error(`the scratch schema ${scratch} vanished while compiling`);
  return schema;
}

/**
 * The statements one at a time: a type or routine of `sql:` that fails before the tables for want
 * of a type or table waits until after them. Returns the first failure, 'deferred' when all ran
 * and some had waited, undefined when all ran in order.
 */
async function runOneByOne(
  client: pg.ClientBase,
  before: readonly Statement[],
  tableSteps: readonly Statement[],
  after: readonly Statement[],
): Promise<CompileOutcome | 'deferred' | undefined> {
  const waiting: Statement[] = [];
  for (const statement of before) {
    await client.query('SAVEPOINT compile_statement');
    try {
      await client.query(statement.sql);
      await client.query('RELEASE SAVEPOINT compile_statement');
    } catch (error) {
      if (!isServerError(error)) throw error;
      await client.query('ROLLBACK TO SAVEPOINT compile_statement');
      if (!WAITS_FOR_TABLES.has(error.code)) {
        await client.query('ROLLBACK TO SAVEPOINT compile');
        return failureOf(statement, error);
      }
      waiting.push(statement);
    }
  }
  for (const statement of [...tableSteps, ...waiting, ...after]) {
    const failure = await run(client, statement);
    if (failure !== undefined) return failure;
  }
  return waiting.length > 0 ? 'deferred' : undefined;
}

/** Runs one statement; a failure the server reports rolls the input's compile back. */
async function run(client: pg.ClientBase, statement: Statement): Promise<CompileOutcome | undefined> {
  try {
    await client.query(statement.sql);
    return undefined;
  } catch (error) {
    if (!isServerError(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT compile');
    return failureOf(statement, error);
  }
}

/** The statement's failure, at the line of the statement the server pointed at. */
function failureOf(statement: Statement, error: { message: string }): CompileOutcome {
  const position = Number((error as { position?: string }).position);
  return { ok: false, error: statement.failure(serverMessage(error), Number.isInteger(position) && position > 0 ? position : undefined) };
}

/**
 * Checks the extensions the SQL creates: each must be installed, in the schema the SQL says. An
 * extension exists once per database, so schema-sync never creates one: a person installs it
 * once, where every tenant's objects can use it. Throws a CompileFailure for the first that is
 * not; returns the names of the objects of those installed in the dumped schema (a dump of
 * public with pgcrypto there), which the SQL must keep naming in that schema.
 */
async function extensionMembers(client: pg.ClientBase, needs: readonly ExtensionNeed[], dumped: string | undefined): Promise<ReadonlySet<string>> {
  const missing = await missingExtension(client, needs);
  if (missing) throw missing;
  const inDumped = needs.filter((n) => n.schema !== undefined && n.schema === dumped).map((n) => n.name);
  if (inDumped.length === 0) return new Set();
  const { rows } = await client.query<{ name: string }>(EXTENSION_MEMBERS, [inDumped]);
  return new Set(rows.map((r) => r.name));
}

/** Names of the objects an extension owns (pg_depend deptype 'e'), of every kind SQL can name with a schema. */
const EXTENSION_MEMBERS = `
  WITH members AS (
    SELECT d.classid, d.objid FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
    WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e' AND e.extname = ANY($1::text[]))
  SELECT t.typname::text AS name FROM members m JOIN pg_catalog.pg_type t ON m.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid = m.objid
  UNION SELECT p.proname::text FROM members m JOIN pg_catalog.pg_proc p ON m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid = m.objid
  UNION SELECT o.oprname::text FROM members m JOIN pg_catalog.pg_operator o ON m.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid = m.objid
  UNION SELECT c.relname::text FROM members m JOIN pg_catalog.pg_class c ON m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = m.objid
  UNION SELECT oc.opcname::text FROM members m JOIN pg_catalog.pg_opclass oc ON m.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass AND oc.oid = m.objid
  UNION SELECT f.opfname::text FROM members m JOIN pg_catalog.pg_opfamily f ON m.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND f.oid = m.objid
  UNION SELECT co.collname::text FROM members m JOIN pg_catalog.pg_collation co ON m.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND co.oid = m.objid
  UNION SELECT ts.cfgname::text FROM members m JOIN pg_catalog.pg_ts_config ts ON m.classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass AND ts.oid = m.objid
  UNION SELECT td.dictname::text FROM members m JOIN pg_catalog.pg_ts_dict td ON m.classid = 'pg_catalog.pg_ts_dict'::pg_catalog.regclass AND td.oid = m.objid`;

/** The first extension the SQL creates that the database lacks, or has in another schema than the SQL says. */
async function missingExtension(client: pg.ClientBase, needs: readonly ExtensionNeed[]): Promise<CompileFailure | undefined> {
  if (needs.length === 0) return undefined;
  const { rows } = await client.query<{ name: string; schema: string }>(
    'SELECT e.extname AS name, n.nspname AS schema FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ANY($1::text[])',
    [needs.map((n) => n.name)],
  );
  const installed = new Map(rows.map((r) => [r.name, r.schema]));
  for (const need of needs) {
    const schema = installed.get(need.name);
    const create = `CREATE EXTENSION ${quoteIdent(need.name)}${need.schema !== undefined ? ` WITH SCHEMA ${quoteIdent(need.schema)}` : ''}`;
    if (schema === undefined) {
      return {
        message: `the extension ${need.name} is not installed in this database; schema-sync never creates an extension (it exists once per database, not per tenant): run ${create} once`,
        source: need.source,
      };
    }
    if (need.schema !== undefined && schema !== need.schema) {
      return { message: `the extension ${need.name} is installed in schema ${schema}, but the SQL expects it in ${need.schema}`, source: need.source };
    }
  }
  return undefined;
}

/** Line breaks before the server's error position in a statement: the line the server points at. */
function linesBefore(text: string, position: number | undefined): number {
  if (position === undefined) return 0;
  return [...text.slice(0, position - 1)].filter((c) => c === '\n').length;
}

/** An error the server raised for a statement, as opposed to a lost connection. */
function isServerError(error: unknown): error is { message: string; code: string } {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}

function serverMessage(error: { message: string }): string {
  const detail = (error as { detail?: string }).detail;
  const hint = (error as { hint?: string }).hint;
  return [error.message, detail, hint && `hint: ${hint}`].filter(Boolean).join('; ');
}
