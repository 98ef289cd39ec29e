import { copyFile } from 'node:fs/promises';
import type { SchemaSyncEngine } from '../../../src/library/schema-sync.js';
import type { Progress } from '../../progress.js';

/** Files copied at once while building the fleet. */
const copiesInFlight = 16;

/**
 * Builds the fleet fast: the library creates, plans and applies the first tenant's file, and that
 * file is copied to every other tenant's name (a SQLite database holds no trace of its file
 * name). Untimed: this is setup, not a measurement.
 */
export async function createSqliteTenants(
  engine: SchemaSyncEngine,
  fileOf: (tenant: string) => string,
  names: readonly string[],
  progress: Progress,
): Promise<void> {
  const [first, ...rest] = names;
  if (first === undefined) return;
  await engine.project.adapter.createTenant(first);
  const plan = await engine.plan({ tenants: [first] });
  if (plan.groups.length !== 1 || plan.failed.length > 0) {
    throw new Error(`setup: planning ${first} gave ${plan.groups.length} groups and ${plan.failed.length} failures, expected one group`);
  }
  const results = await engine.apply(plan);
  const bad = results.filter((r) => r.status !== 'applied');
  if (results.length !== 1 || bad.length > 0) {
    throw new Error(`setup: applying ${first}: ${bad.map((r) => `${r.status}: ${r.error ?? ''}`).join('; ') || 'no result'}`);
  }

  progress.start('creating tenant files', names.length);
  progress.tick(1);
  const source = fileOf(first);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(copiesInFlight, Math.max(1, rest.length)) }, async () => {
      for (let i = next++; i < rest.length; i = next++) {
        await copyFile(source, fileOf(rest[i] as string));
        progress.tick(1);
      }
    }),
  );
  progress.done();
}
