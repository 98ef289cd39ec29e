import type pg from 'pg';
import { addedColumn } from '../../added-column.js';
import { quoteIdent } from '../../project.js';
import { runBatches } from './setup.js';

const table = (tenant: string): string => `${quoteIdent(tenant)}.${quoteIdent(addedColumn.table)}`;

/** The change `apply` makes, as a person would type it for one tenant. */
export function addColumnSql(tenant: string): string {
  return (
    `ALTER TABLE ${table(tenant)} ADD COLUMN ${quoteIdent(addedColumn.column)} ${addedColumn.type}; ` +
    `CREATE INDEX ${quoteIdent(addedColumn.index)} ON ${table(tenant)} (${quoteIdent(addedColumn.column)})`
  );
}

/**
 * The apply baseline: the same SQL straight through one connection, one tenant after another,
 * each tenant's two statements in one implicit transaction (one multi-statement query), with the
 * server's default synchronous_commit, as apply has.
 */
export async function applyStraight(client: pg.ClientBase, tenants: readonly string[]): Promise<void> {
  for (const tenant of tenants) await client.query(addColumnSql(tenant));
}

/** Untimed undo: dropping the column drops its index with it. */
export async function dropAddedColumn(url: string, tenants: readonly string[]): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < tenants.length; i += 100) batches.push(tenants.slice(i, i + 100));
  await runBatches(url, batches, async (client, batch) => {
    await client.query(
      batch.map((t) => `ALTER TABLE ${table(t)} DROP COLUMN IF EXISTS ${quoteIdent(addedColumn.column)};`).join('\n'),
    );
  });
}
