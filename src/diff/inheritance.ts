import { byName } from '../model/fingerprint.js';
import type { ColumnModel, TableModel } from '../model/types.js';
import type { Change } from './changes.js';

/**
 * Classic table inheritance (PostgreSQL INHERITS). A table's model lists only what it declares
 * itself; what it has from its parents is theirs. These helpers give the diff what the table
 * holds from its parents, so a parent that comes or goes does not read as columns to add or drop.
 */

/** The columns a table has from its parents, in merge order, each once (the first parent's). */
export function parentColumns(table: TableModel, tables: ReadonlyMap<string, TableModel>, seen: Set<string> = new Set()): ColumnModel[] {
  const out = new Map<string, ColumnModel>();
  for (const name of table.inherits ?? []) {
    const parent = tables.get(name);
    if (!parent || seen.has(name)) continue;
    seen.add(name);
    for (const column of [...parentColumns(parent, tables, seen), ...parent.columns]) {
      if (!out.has(column.name)) out.set(column.name, column);
    }
  }
  return [...out.values()];
}

/**
 * The table as NO INHERIT leaves it: the columns it had only from the parents it leaves become
 * its own (attislocal), as do their CHECKs that are not NO INHERIT.
 */
export function asUninherited(from: TableModel, to: TableModel, live: ReadonlyMap<string, TableModel>): TableModel {
  const common = commonParents(from, to);
  const leaving = (from.inherits ?? []).slice(common);
  if (leaving.length === 0) return from;
  const { inherits: _i, ...plain } = from;
  const staying: TableModel = common === 0 ? plain : { ...plain, inherits: from.inherits!.slice(0, common) };
  const still = new Set(parentColumns(staying, live).map((c) => c.name));
  const own = new Set(from.columns.map((c) => c.name));
  const left = parentColumns({ ...from, inherits: leaving }, live).filter((c) => !own.has(c.name) && !still.has(c.name));
  const checks = leaving.flatMap((p) => live.get(p)?.checks ?? []);
  const ownChecks = new Set(from.checks.map((c) => c.name));
  return {
    ...staying,
    columns: [...left.map(withoutColumnComment), ...from.columns],
    checks: byName([...from.checks, ...checks.filter((c) => !ownChecks.has(c.name)).map(({ comment: _c, ...c }) => c)]),
  };
}

/**
 * Why the table cannot reach the desired one by INHERIT / NO INHERIT: a column the desired table
 * has only from its parents that the live one declares itself (or would have to add before
 * INHERIT) stays its own, since no ALTER TABLE makes a column inherited-only (attislocal). `from`
 * is as asUninherited left it.
 */
export function inheritReplaceReasons(from: TableModel, to: TableModel, wanted: ReadonlyMap<string, TableModel>): string[] {
  if (to.inherits === undefined) return [];
  const listed = new Set(to.columns.map((c) => c.name));
  const own = new Set(from.columns.map((c) => c.name));
  // A kept parent's new column reaches the table through the parent's ADD COLUMN.
  const reaching = new Set(parentColumns({ ...to, inherits: from.inherits ?? [] }, wanted).map((c) => c.name));
  const reasons: string[] = [];
  for (const column of parentColumns(to, wanted)) {
    if (listed.has(column.name)) continue;
    if (own.has(column.name)) reasons.push(`column ${column.name} is declared on it, not only inherited (list it under columns to keep the table)`);
    else if (!reaching.has(column.name)) reasons.push(`column ${column.name} of its new parent would be declared on it before INHERIT (list it under columns to keep the table)`);
  }
  return reasons;
}

/**
 * INHERIT / NO INHERIT that turn the live parents into the desired ones: the parents in common at
 * the front stay, the rest leave and the desired ones after them join in order (the order in
 * which columns merge, pg_inherits.inhseqno).
 */
export function inheritChanges(from: TableModel, to: TableModel): { readonly leave: Change[]; readonly join: Change[] } {
  const was = from.inherits ?? [];
  const is = to.inherits ?? [];
  const common = commonParents(from, to);
  return {
    leave: was.slice(common).map((parent) => ({ kind: 'noInherit', table: to.name, parent, rejoins: is.includes(parent) })),
    join: is.slice(common).map((parent) => ({ kind: 'inherit', table: to.name, parent })),
  };
}

/** How many parents, from the first, the live and desired tables have in common. */
function commonParents(from: TableModel, to: TableModel): number {
  const was = from.inherits ?? [];
  const is = to.inherits ?? [];
  let common = 0;
  while (common < was.length && common < is.length && was[common] === is[common]) common++;
  return common;
}

function withoutColumnComment(column: ColumnModel): ColumnModel {
  const { comment: _c, ...rest } = column;
  return rest;
}
