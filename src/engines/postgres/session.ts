import type pg from 'pg';
import type { SchemaModel } from '../../model/types.js';
import { stepPlacement, type PlanStep } from '../../plan/step.js';
import type { RunStepsOptions, TenantContext, TenantSession } from '../types.js';
import { connectClient } from './connect.js';
import { inspectInvalidIndexes, inspectSchemas } from './inspect.js';
import { releaseAdvisoryLock, tryAdvisoryLock } from './lock.js';

/**
 * Settings for every apply transaction. search_path is emptied so that a statement which forgot
 * its schema fails instead of landing in another tenant (invariant 4).
 */
function sessionSettings(options: { lockTimeoutMs: number; statementTimeoutMs: number }): string[] {
  return [
    `SET LOCAL lock_timeout = ${Math.max(0, Math.floor(options.lockTimeoutMs))}`,
    `SET LOCAL statement_timeout = ${Math.max(0, Math.floor(options.statementTimeoutMs))}`,
    `SET LOCAL search_path TO ''`,
  ];
}

export async function openPostgresSession(url: string, tenant: TenantContext): Promise<TenantSession> {
  const client = await connectClient(url);
  // A dropped connection during apply surfaces as a query error; without a listener it would crash the process.
  client.on('error', () => {});
  let locked = false;
  return {
    async acquireLock() {
      locked = await tryAdvisoryLock(client, tenant.name);
      return locked;
    },
    async releaseLock() {
      if (!locked) return;
      locked = false;
      await releaseAdvisoryLock(client, tenant.name);
    },
    async inspect(): Promise<SchemaModel> {
      const schema = (await inspectSchemas(client, [tenant.name])).get(tenant.name);
      if (!schema) throw new Error(`schema "${tenant.name}" does not exist`);
      return schema;
    },
    runSteps: (steps, options) => runSteps(client, steps, options),
    async invalidIndexes() {
      return inspectInvalidIndexes(client, tenant.name);
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/**
 * Transactional steps in one transaction with the apply settings; then, in plan order, each step
 * that runs after it: in a transaction of its own (VALIDATE CONSTRAINT), or outside any
 * transaction (CREATE INDEX CONCURRENTLY), each with its own timeout.
 */
export async function runSteps(client: pg.ClientBase, steps: readonly PlanStep[], options: RunStepsOptions): Promise<void> {
  const inTransaction = steps.filter((s) => s.transactional);
  const onTheirOwn = steps.filter((s) => !s.transactional);
  if (inTransaction.length > 0) {
    // One round trip for the whole transaction (a multi-statement simple query): a tenant's DDL is
    // a few milliseconds, and seven round trips per tenant would cost more than the DDL itself. An
    // error stops the rest of the text and leaves the transaction aborted, so nothing commits.
    const statements = ['BEGIN', ...sessionSettings(options), ...inTransaction.flatMap((step) => step.sql), 'COMMIT'];
    try {
      await client.query(statements.join(';\n'));
    } catch (error) {
      await rollbackQuietly(client);
      throw error;
    }
  }
  for (const step of onTheirOwn) {
    if (stepPlacement(step) === 'own-transaction') {
      await runInOwnTransaction(client, step, options);
      continue;
    }
    const settings = sessionSettings({ ...options, statementTimeoutMs: step.timeoutMs ?? options.statementTimeoutMs });
    for (const setting of settings) await client.query(setting.replace('SET LOCAL', 'SET'));
    try {
      for (const statement of step.sql) await client.query(statement);
    } finally {
      await client.query('RESET lock_timeout; RESET statement_timeout; RESET search_path').catch(() => {});
    }
  }
}

/**
 * One step in a transaction of its own, after the main transaction has committed, each
 * statement sent alone (the extended protocol refuses a second statement in one message).
 */
async function runInOwnTransaction(client: pg.ClientBase, step: PlanStep, options: RunStepsOptions): Promise<void> {
  const settings = sessionSettings({ ...options, statementTimeoutMs: step.timeoutMs ?? options.statementTimeoutMs });
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

/**
 * A step outside the main transaction failed. The main transaction stays committed, so the
 * message says so and what the tenant was left with: it is not rolled back, only unfinished.
 */
export class StepAfterCommitError extends Error {
  override readonly name = 'StepAfterCommitError';
  constructor(
    readonly step: PlanStep,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const left = step.failureLeaves !== undefined ? ` The tenant is left with ${step.failureLeaves}.` : '';
    super(
      `step "${step.summary}" failed after the tenant's main transaction had committed: ${reason}. ` +
        `The main transaction stays committed and was not rolled back.${left} ` +
        `Fix the cause (for a failed validation, the rows that violate it), then run the step's SQL again: ${step.sql.join('; ')}`,
      { cause },
    );
  }
}

async function rollbackQuietly(client: pg.ClientBase): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection is gone; the server rolls back on its own.
  }
}
