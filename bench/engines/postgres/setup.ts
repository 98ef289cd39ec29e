import type pg from 'pg';
import type { SchemaSyncEngine } from '../../../src/library/schema-sync.js';
import { connect, connectMany, endAll } from './database.js';
import { quoteIdent } from '../../project.js';
import type { Progress } from '../../progress.js';

/** Tenants per multi-statement query while building the fleet. */
const tenantsPerBatch = 50;
/** Parallel setup connections; the server does the work, the bench only ships text. */
const setupConnections = 4;

/**
 * Builds the fleet fast: the library plans and applies the first tenant, and the SQL of that
 * plan runs for every other tenant straight through a few connections, many tenants per query.
 * Untimed: this is setup, not a measurement.
 */
export async function createTenants(
  engine: SchemaSyncEngine,
  url: string,
  names: readonly string[],
  progress: Progress,
): Promise<void> {
  const [first, ...rest] = names;
  if (first === undefined) return;
  const admin = await connect(url);
  try {
    await admin.query(`CREATE SCHEMA ${quoteIdent(first)}`);
  } finally {
    await admin.end();
  }
  const plan = await engine.plan({ tenants: [first] });
  const group = plan.groups[0];
  if (plan.groups.length !== 1 || group === undefined || plan.failed.length > 0) {
    throw new Error(`setup: planning ${first} gave ${plan.groups.length} groups and ${plan.failed.length} failures, expected one group`);
  }
  const results = await engine.apply(plan);
  const bad = results.filter((r) => r.status !== 'applied');
  if (results.length !== 1 || bad.length > 0) {
    throw new Error(`setup: applying ${first}: ${bad.map((r) => `${r.status}: ${r.error ?? ''}`).join('; ') || 'no result'}`);
  }
  if (group.steps.some((s) => !s.transactional)) {
    throw new Error('setup: the first plan has non-transactional steps; the batched setup runs every step in one transaction');
  }
  // `split/join` replaces every occurrence, as the library's sqlForTenant does.
  const template = group.steps.flatMap((s) => s.sql).join(';\n');
  const tenantSql = (name: string): string =>
    `BEGIN;\nCREATE SCHEMA ${quoteIdent(name)};\n${template.split(group.placeholder).join(quoteIdent(name))};\nCOMMIT;`;

  progress.start('creating tenants', names.length);
  progress.tick(1);
  const batches: string[][] = [];
  for (let i = 0; i < rest.length; i += tenantsPerBatch) batches.push(rest.slice(i, i + tenantsPerBatch));
  await runBatches(url, batches, async (client, batch) => {
    // Each tenant in its own transaction inside the multi-statement query, so one query never
    // holds the locks of fifty tenants' tables at once (max_locks_per_transaction).
    await client.query(batch.map(tenantSql).join('\n'));
    progress.tick(batch.length);
  });
  progress.done();
  await analyzeCatalogs(url);
}

/**
 * A long-lived database has catalog statistics from autovacuum; a fleet built a minute ago has
 * none, and the planner's guesses for 1,000 tenants' catalog rows would then measure the bench,
 * not the tool. Analyzed once, up front, so autovacuum does not do it halfway through a run.
 */
const catalogsRead = [
  'pg_namespace', 'pg_class', 'pg_attribute', 'pg_attrdef', 'pg_type', 'pg_constraint', 'pg_index',
  'pg_depend', 'pg_description', 'pg_sequence', 'pg_proc', 'pg_trigger', 'pg_rewrite', 'pg_enum', 'pg_inherits', 'pg_policy',
];

async function analyzeCatalogs(url: string): Promise<void> {
  const client = await connect(url);
  try {
    await client.query(`ANALYZE ${catalogsRead.map((t) => `pg_catalog.${t}`).join(', ')}`);
  } finally {
    await client.end();
  }
}

/** Runs `work` for every batch on a few connections in parallel, without synchronous commits. */
export async function runBatches<T>(
  url: string,
  batches: readonly T[],
  work: (client: pg.Client, batch: T) => Promise<void>,
): Promise<void> {
  const clients = await connectMany(url, Math.min(setupConnections, Math.max(1, batches.length)));
  try {
    // Setup and undo only: losing them in a crash would not matter, and fsync per tenant is slow.
    await Promise.all(clients.map((c) => c.query('SET synchronous_commit TO off')));
    let next = 0;
    await Promise.all(
      clients.map(async (client) => {
        for (let i = next++; i < batches.length; i = next++) await work(client, batches[i] as T);
      }),
    );
  } finally {
    await endAll(clients);
  }
}
