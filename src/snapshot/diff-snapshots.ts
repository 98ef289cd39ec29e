import type { Change } from '../diff/changes.js';
import { diffSchemas } from '../diff/diff-schemas.js';
import { UserError } from '../errors.js';
import type { SchemaModel } from '../model/types.js';
import { orderChanges } from '../plan/order-changes.js';
import type { StoredSnapshot } from './types.js';

/**
 * The changes that turn one version into the other, by the same pure diff and ordering a plan
 * uses, so `snapshot diff` reads like a plan. No rename hints: history records what the schema
 * was, and a renamed table shows as one dropped and one created.
 */
export function diffSnapshots(from: SchemaModel, to: SchemaModel): Change[] {
  return orderChanges(diffSchemas({ current: from, desired: to }));
}

/** Loads both versions and diffs them; a missing version is an error the user can act on. */
export async function diffStoredVersions(
  load: (tenant: string, rev: string) => Promise<StoredSnapshot | undefined>,
  tenant: string,
  revA: string,
  revB: string,
): Promise<Change[]> {
  const [a, b] = await Promise.all([load(tenant, revA), load(tenant, revB)]);
  if (!a) throw new UserError(`no snapshot of ${tenant} at ${revA} (see schema-sync snapshot list ${tenant})`);
  if (!b) throw new UserError(`no snapshot of ${tenant} at ${revB} (see schema-sync snapshot list ${tenant})`);
  return diffSnapshots(a.schema, b.schema);
}

/**
 * Revisions every store understands, counted back from the newest version: `current` and `HEAD`
 * are the newest, `HEAD~n` (or `HEAD^`) the n-th before it. Other spellings are the store's own
 * (a git revision, a row id). Undefined when `rev` is none of these.
 */
export function versionsBack(rev: string | undefined): number | undefined {
  if (rev === undefined || rev === 'current' || rev === 'HEAD' || rev === '@') return 0;
  const tilde = /^(?:HEAD|@)~(\d{0,6})$/.exec(rev);
  if (tilde) return tilde[1] === '' ? 1 : Number(tilde[1]);
  const carets = /^(?:HEAD|@)(\^+)$/.exec(rev);
  if (carets) return carets[1]!.length;
  return undefined;
}
