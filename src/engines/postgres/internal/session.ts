import type pg from 'pg';
import { stepPlacement, type PlanStep } from '../../../plan/step.js';
import type { RunStepsOptions } from '../../types.js';
import { quoteIdent } from './connect.js';
import { StepAfterCommitError, VerificationFailed } from '../../../errors.js';
import { CATALOG_SETTINGS, inspectInTransaction, type LeadStatements } from './inspect.js';
import { joinStatements, loadParser, statementsProblem } from './statements.js';

/**
 * Settings for every apply transaction. Every statement names its objects with the tenant's
 * schema (invariant 4); search_path is the tenant's own schema, and nothing else, because an
 * expression or a body read back from the server names the tenant's own objects unqualified (the
 * inspector strips the tenant's qualifier): a function a CHECK or an index calls, a view's tables.
 * They resolve in this tenant, as they did in the compile's scratch schema, and never in another.
 */
function sessionSettings(options: { lockTimeoutMs: number; statementTimeoutMs: number }, schema: string): string[] {
  return [
    `SET LOCAL lock_timeout = ${Math.max(0, Math.floor(options.lockTimeoutMs))}`,
    `SET LOCAL statement_timeout = ${Math.max(0, Math.floor(options.statementTimeoutMs))}`,
    `SET LOCAL search_path TO ${quoteIdent(schema)}`,
  ];
}

/**
 * Transactional steps in one transaction with the apply settings, verified before COMMIT when
 * asked; then, in plan order, each step that runs after it: in a transaction of its own
 * (VALIDATE CONSTRAINT), or outside any transaction (CREATE INDEX CONCURRENTLY), each with its
 * own timeout. A failure after the commit is a StepAfterCommitError.
 */
export async function runSteps(client: pg.ClientBase, schema: string, steps: readonly PlanStep[], options: RunStepsOptions, grants = false): Promise<void> {
  const inTransaction = steps.filter((s) => s.transactional);
  const onTheirOwn = steps.filter((s) => !s.transactional);
  if (inTransaction.length > 0) {
    // One round trip for the statements (a multi-statement simple query): a tenant's DDL is a few
    // milliseconds, and a round trip per statement would cost more than the DDL itself. So the
    // server's grammar checks first that the text holds exactly these statements. An error stops
    // the rest of the text and leaves the transaction aborted, so nothing commits.
    // The catalog settings of the read-back go in the same round trip, after the DDL, so they
    // cannot change how the DDL itself reads its literals.
    const statements = ['BEGIN', ...sessionSettings(options, schema), ...inTransaction.flatMap((step) => step.sql), ...(options.verify ? CATALOG_SETTINGS : [])];
    const problem = statementsProblem(await loadParser(), statements);
    if (problem) throw new Error(`refusing to send the tenant's SQL: ${problem}`);
    // With a verification, the statements go out with the read back's first queries, in their
    // round trip (the read's queries follow the catalog settings, ours, so the parser's check of
    // the statements holds for the text they end).
    let lead: LeadStatements | undefined = { text: joinStatements(statements), statements: statements.length };
    try {
      if (options.verify) {
        const mismatch = await options.verify(async (scope) => {
          const sent = lead;
          lead = undefined;
          const model = await inspectInTransaction(client, schema, scope, grants, sent);
          if (!model) throw new Error(`schema "${schema}" does not exist`);
          return model;
        });
        if (lead !== undefined) throw new Error('the verification did not read the tenant back: nothing was run');
        if (mismatch !== undefined) throw new VerificationFailed(mismatch);
      } else {
        await client.query(lead.text);
      }
      await client.query('COMMIT');
    } catch (error) {
      await rollbackQuietly(client);
      throw error;
    }
  }
  for (const step of onTheirOwn) {
    if (stepPlacement(step) === 'own-transaction') {
      await runInOwnTransaction(client, schema, step, options);
      continue;
    }
    const settings = sessionSettings({ ...options, statementTimeoutMs: step.timeoutMs ?? options.statementTimeoutMs }, schema);
    try {
      for (const setting of settings) await client.query(setting.replace('SET LOCAL', 'SET'));
      // The extended protocol refuses a text holding more than one statement.
      for (const statement of step.sql) await client.query({ text: statement, queryMode: 'extended' } as pg.QueryConfig);
    } catch (error) {
      throw new StepAfterCommitError(step, error);
    } finally {
      await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path').catch(() => {});
    }
  }
}

/**
 * One step in a transaction of its own, after the main transaction has committed, each
 * statement sent alone (the extended protocol refuses a second statement in one message).
 */
async function runInOwnTransaction(client: pg.ClientBase, schema: string, step: PlanStep, options: RunStepsOptions): Promise<void> {
  const settings = sessionSettings({ ...options, statementTimeoutMs: step.timeoutMs ?? options.statementTimeoutMs }, schema);
  try {
    await client.query('BEGIN');
    for (const statement of [...settings, ...step.sql]) {
      const one: pg.QueryConfig & { queryMode: 'extended' } = { text: statement, queryMode: 'extended' };
      await client.query(one);
    }
    await client.query('COMMIT');
  } catch (error) {
    await rollbackQuietly(client);
    throw new StepAfterCommitError(step, error);
  }
}

async function rollbackQuietly(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection is gone; the server rolls back on its own.
  }
}
