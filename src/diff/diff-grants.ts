import { deepEqual } from '../model/deep-equal.js';
import type { GrantModel, SchemaModel } from '../model/types.js';
import type { Change, GrantTarget } from './changes.js';
import type { RenameHints } from '../model/desired.js';
import { own } from '../util/own.js';

/**
 * Each grantee's privileges on each object, where they differ: compared only when the desired
 * schema has grants (the `grants` setting). A live object the plan drops takes its grants with it;
 * one it creates or recreates (a view dropped and created again) starts from the default, whatever
 * the old one held; a renamed table or column keeps its own.
 */
export function diffGrants(current: SchemaModel, desired: SchemaModel, changes: readonly Change[], renames: RenameHints): Change[] {
  if (desired.grants === undefined) return [];
  const created = createdObjects(changes);
  const live = new Map<string, GrantModel>();
  for (const grant of current.grants ?? []) {
    const renamed = afterRenames(grant, renames);
    live.set(grantKey(renamed, renamed.grantee), renamed);
  }
  const wanted = new Map(desired.grants.map((g) => [grantKey(g, g.grantee), g]));
  const result: Change[] = [];
  for (const key of [...new Set([...live.keys(), ...wanted.keys()])].sort()) {
    const grant = (wanted.get(key) ?? live.get(key))!;
    const on: GrantTarget = { kind: grant.kind, name: grant.name, ...(grant.column !== undefined && { column: grant.column }) };
    if (!wanted.has(key) && !exists(desired, on)) continue;
    const from = created.has(targetKey(on)) || created.has(targetKey({ kind: on.kind, name: on.name })) ? undefined : live.get(key)?.privileges;
    const to = wanted.get(key)?.privileges;
    if (deepEqual(from ?? null, to ?? null)) continue;
    result.push({ kind: 'setGrants', on, grantee: grant.grantee, ...(from !== undefined && { from }), ...(to !== undefined && { to }) });
  }
  return result;
}

function targetKey(on: GrantTarget): string {
  return JSON.stringify([on.kind, on.name, on.column ?? null]);
}

function grantKey(on: GrantTarget, grantee: string): string {
  return JSON.stringify([on.kind, on.name, on.column ?? null, grantee]);
}

/** Objects (and columns) the changes create, or drop and create again: their grants are the default then. */
function createdObjects(changes: readonly Change[]): Set<string> {
  const created = new Set<string>();
  for (const change of changes) {
    switch (change.kind) {
      case 'createTable':
        created.add(targetKey({ kind: 'table', name: change.table.name }));
        break;
      case 'replaceTable':
      case 'rebuildTable':
        created.add(targetKey({ kind: 'table', name: change.to.name }));
        break;
      case 'addColumn':
        created.add(targetKey({ kind: 'table', name: change.table, column: change.column.name }));
        break;
      case 'createEnum':
        created.add(targetKey({ kind: 'enum', name: change.enum.name }));
        break;
      case 'recreateEnum':
        created.add(targetKey({ kind: 'enum', name: change.to.name }));
        break;
      case 'createSequence':
        created.add(targetKey({ kind: 'sequence', name: change.sequence.name }));
        break;
      case 'replaceType':
        // Created anew under the old one's name.
        created.add(targetKey({ kind: change.to.kind as GrantModel['kind'], name: change.to.name }));
        break;
      case 'createObject':
        if (isGrantKind(change.object.kind)) created.add(targetKey({ kind: change.object.kind, name: change.object.name }));
        // Grants on a view's columns are written as on a table's.
        if (change.object.kind === 'view' || change.object.kind === 'materialized view') created.add(targetKey({ kind: 'table', name: change.object.name }));
        break;
      default:
        break;
    }
  }
  return created;
}

const grantKinds: ReadonlySet<string> = new Set<GrantModel['kind']>(['view', 'materialized view', 'function', 'procedure', 'aggregate', 'domain', 'composite type']);

function isGrantKind(kind: string): kind is GrantModel['kind'] {
  return grantKinds.has(kind);
}

/**
 * The objects (and table columns) a desired schema holds, by targetKey; `view` marks a view's or
 * materialized view's name, whose columns the model does not list. Built once per desired schema:
 * a fleet's tenants share a handful, and each tenant's diff asks for every live grant.
 */
const heldBy = new WeakMap<SchemaModel, { readonly targets: ReadonlySet<string>; readonly views: ReadonlySet<string> }>();

function held(desired: SchemaModel): { readonly targets: ReadonlySet<string>; readonly views: ReadonlySet<string> } {
  let known = heldBy.get(desired);
  if (known) return known;
  const targets = new Set<string>([targetKey({ kind: 'schema', name: '' })]);
  for (const table of desired.tables) {
    targets.add(targetKey({ kind: 'table', name: table.name }));
    for (const column of table.columns) targets.add(targetKey({ kind: 'table', name: table.name, column: column.name }));
  }
  for (const e of desired.enums) targets.add(targetKey({ kind: 'enum', name: e.name }));
  for (const s of desired.sequences) targets.add(targetKey({ kind: 'sequence', name: s.name }));
  const views = new Set<string>();
  for (const o of desired.objects ?? []) {
    if (isGrantKind(o.kind)) targets.add(targetKey({ kind: o.kind, name: o.name }));
    if (o.kind === 'view' || o.kind === 'materialized view') views.add(o.name);
  }
  known = { targets, views };
  heldBy.set(desired, known);
  return known;
}

/** Whether the desired schema has the object a grant is on (a live one it lacks is dropped with its grants). */
function exists(desired: SchemaModel, on: GrantTarget): boolean {
  const { targets, views } = held(desired);
  if (on.kind === 'schema' || targets.has(targetKey(on))) return true;
  // Grants on a view's columns are written as on a table's.
  return on.kind === 'table' && on.column !== undefined && views.has(on.name) && !targets.has(targetKey({ kind: 'table', name: on.name }));
}

/** A live grant under its table's and column's names after the plan's renames. */
function afterRenames(grant: GrantModel, renames: RenameHints): GrantModel {
  if (grant.kind !== 'table') return grant;
  const table = Object.entries(renames.tables).find(([, from]) => from === grant.name)?.[0] ?? grant.name;
  const columns = own(renames.columns, table) ?? {};
  const column = grant.column === undefined ? undefined : (Object.entries(columns).find(([, from]) => from === grant.column)?.[0] ?? grant.column);
  if (table === grant.name && column === grant.column) return grant;
  return { ...grant, name: table, ...(column !== undefined && { column }) };
}
