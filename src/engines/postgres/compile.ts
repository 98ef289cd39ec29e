// The desired schema, compiled by the server itself (DESIGN.md invariant 2): each distinct desired
// schema is created in a scratch schema inside a transaction that is always rolled back, and read
// back by the inspector that reads tenants. Nothing of it persists, not even the schema's name.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { CompileFailure, CompileInput, CompileOutcome } from '../types.js';
import { quoteIdent } from './connect.js';
import { CATALOG_SETTINGS, inspectInTransaction, type ReadLimits } from './inspect.js';
import { renderChanges } from './render.js';
import { sqlStatements, type SqlStatement } from './sql-source.js';

/** server_version_num of the server that compiles: PostgreSQL prints differently across majors. */
export async function compilerVersion(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ version: string }>("SELECT current_setting('server_version_num') AS version");
  return `postgres ${Math.floor(Number(rows[0]?.version ?? 0) / 10000)}`;
}

/** A name no tenant has and no other run uses at the same time; it never outlives the transaction. */
function scratchName(): string {
  return `schema_sync_compile_${randomBytes(8).toString('hex')}`;
}

interface Statement {
  readonly sql: string;
  readonly failure: (message: string) => CompileFailure;
}

/**
 * Each input is compiled in a savepoint of one transaction, so one broken desired schema does not
 * hide the others' results. The caller's limits bound every statement (invariant 9).
 */
export async function compileSchemas(client: pg.ClientBase, inputs: readonly CompileInput[], limits: ReadLimits): Promise<CompileOutcome[]> {
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
    for (const input of inputs) outcomes.push(await compileOne(client, input));
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return outcomes;
}

async function compileOne(client: pg.ClientBase, input: CompileInput): Promise<CompileOutcome> {
  const scratch = scratchName();
  const qualifier = quoteIdent(scratch);
  let sql: { before: SqlStatement[]; after: SqlStatement[] };
  try {
    sql = await sqlStatements(input.sql);
  } catch (error) {
    return { ok: false, error: error as CompileFailure };
  }
  const options = { qualifier, concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: input.tenantTypes, tenantSequences: input.tenantSequences };
  // One change at a time, so the server's refusal names the change, and the manifest line behind it.
  const rendered = input.changes.flatMap((change, index) => renderChanges([change], options).map((step) => ({ step, index })));
  const fromSql = (s: SqlStatement): Statement => ({
    sql: s.text,
    failure: (message) => ({ message, source: s.source }),
  });
  const statements: Statement[] = [
    ...sql.before.map(fromSql),
    ...rendered.flatMap(({ step, index }) =>
      step.sql.map((text) => ({ sql: text, failure: (message: string) => ({ message, step: step.summary, change: index }) })),
    ),
    ...sql.after.map(fromSql),
  ];
  const start = `SAVEPOINT compile; CREATE SCHEMA ${qualifier}; SET LOCAL search_path TO ${qualifier}`;
  await client.query(start);
  try {
    // All in one round trip; only when the server refuses one is each sent alone, to name it. A
    // newline before each `;` ends a statement's trailing line comment first.
    try {
      await client.query(statements.map((s) => s.sql).join('\n;\n'));
    } catch (error) {
      if (!isServerError(error)) throw error;
      await client.query(`ROLLBACK TO SAVEPOINT compile; ${start.replace('SAVEPOINT compile; ', '')}`);
      for (const statement of statements) {
        try {
          await client.query(statement.sql);
        } catch (one) {
          if (!isServerError(one)) throw one;
          await client.query('ROLLBACK TO SAVEPOINT compile');
          return { ok: false, error: statement.failure(serverMessage(one)) };
        }
      }
      // Alone, every statement ran: the one text did not hold them as planned. Said plainly.
      return { ok: false, error: { message: `the statements ran one by one but not together: ${serverMessage(error)}` } };
    }
    await client.query(CATALOG_SETTINGS.join(';\n'));
    const schema = await inspectInTransaction(client, scratch);
    if (!schema) throw new Error(`the scratch schema ${scratch} vanished while compiling`);
    return { ok: true, schema };
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT compile').catch(() => undefined);
  }
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
