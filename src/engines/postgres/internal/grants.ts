// PostgreSQL's privileges on a tenant's schema and objects (the `grants` setting): what a new
// object has, how the catalog rows become GrantModels, and the GRANT and REVOKE that move one
// grantee from what it holds to what it should.
import type { GrantTarget } from '../../../diff/changes.js';
import { compareNames } from '../../../model/fingerprint.js';
import { routineArguments, routineName } from '../../../model/object-key.js';
import type { GrantModel, GrantObjectKind } from '../../../model/types.js';
import { quoteIdent } from './connect.js';

/** A row of SCHEMA_GRANTS, RELATION_GRANTS, ROUTINE_GRANTS or TYPE_GRANTS: one privilege of one grantee. */
export interface GrantRow {
  schema: string;
  /** 'schema', a relkind, or the kind of routine or type. */
  kind: string;
  name: string;
  /** A routine's identity argument types, as the catalog prints them. */
  args: string | null;
  column_name: string | null;
  /** Null on the one row of a routine or type that grants nothing to anyone but its owner. */
  grantee: string | null;
  privilege: string | null;
  grantable: boolean | null;
}

const relationKinds: Readonly<Record<string, GrantObjectKind>> = { r: 'table', p: 'table', v: 'view', m: 'materialized view', S: 'sequence' };

const WITH_GRANT_OPTION = ' WITH GRANT OPTION';

/** The order privileges are listed in: GRANT's own. */
const privilegeOrder = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'MAINTAIN', 'EXECUTE', 'USAGE', 'CREATE'];

function privilegeRank(privilege: string): number {
  const base = privilege.endsWith(WITH_GRANT_OPTION) ? privilege.slice(0, -WITH_GRANT_OPTION.length) : privilege;
  const at = privilegeOrder.indexOf(base);
  return at < 0 ? privilegeOrder.length : at;
}

function sortPrivileges(privileges: Iterable<string>): string[] {
  return [...privileges].sort((a, b) => privilegeRank(a) - privilegeRank(b) || compareNames(a, b));
}

/**
 * What a new object grants to others than its owner (acldefault): PUBLIC may execute a routine
 * and use a type; nobody may do anything else.
 */
export function defaultPrivileges(on: GrantTarget, grantee: string): readonly string[] {
  if (on.column !== undefined || grantee !== 'PUBLIC') return [];
  if (on.kind === 'function' || on.kind === 'procedure' || on.kind === 'aggregate') return ['EXECUTE'];
  if (on.kind === 'enum' || on.kind === 'domain' || on.kind === 'composite type') return ['USAGE'];
  return [];
}

/** The grants of one chunk's schemas while their rows come in. */
export class GrantsDraft {
  /** Schema -> object (JSON of kind, name, column) -> grantee -> privileges. */
  readonly #bySchema = new Map<string, Map<string, { on: GrantTarget; grantees: Map<string, Set<string>> }>>();

  add(row: GrantRow, strip: (text: string) => string): void {
    const kind = row.kind === 'schema' ? 'schema' : row.column_name !== null ? 'table' : (relationKinds[row.kind] ?? (row.kind as GrantObjectKind));
    const name = row.args === null ? row.name : `${row.name}(${strip(row.args)})`;
    const on: GrantTarget = { kind, name, ...(row.column_name !== null && { column: row.column_name }) };
    let objects = this.#bySchema.get(row.schema);
    if (objects === undefined) this.#bySchema.set(row.schema, (objects = new Map()));
    const key = JSON.stringify([on.kind, on.name, on.column ?? null]);
    let object = objects.get(key);
    if (object === undefined) objects.set(key, (object = { on, grantees: new Map() }));
    if (row.grantee === null || row.privilege === null) return;
    let privileges = object.grantees.get(row.grantee);
    if (privileges === undefined) object.grantees.set(row.grantee, (privileges = new Set()));
    privileges.add(row.grantable ? row.privilege + WITH_GRANT_OPTION : row.privilege);
  }

  /** A schema's grants where they differ from the default, sorted by object, column, grantee. */
  of(schema: string): GrantModel[] {
    const grants: GrantModel[] = [];
    for (const { on, grantees } of this.#bySchema.get(schema)?.values() ?? []) {
      const defaults = ['PUBLIC'].filter((g) => defaultPrivileges(on, g).length > 0 && !grantees.has(g));
      for (const grantee of [...grantees.keys(), ...defaults]) {
        const privileges = sortPrivileges(grantees.get(grantee) ?? []);
        if (privileges.join('\n') === defaultPrivileges(on, grantee).join('\n')) continue;
        grants.push({ ...on, grantee, privileges });
      }
    }
    return grants.sort(compareGrants);
  }
}

export function compareGrants(a: GrantModel, b: GrantModel): number {
  return compareNames(a.kind, b.kind) || compareNames(a.name, b.name) || compareNames(a.column ?? '', b.column ?? '') || compareNames(a.grantee, b.grantee);
}

/** The object as GRANT names it; `qualifier` is the tenant's quoted schema, or '' for a manifest. */
function objectClause(on: GrantTarget, qualifier: string): string {
  const q = (name: string) => (qualifier === '' ? quoteIdent(name) : `${qualifier}.${quoteIdent(name)}`);
  switch (on.kind) {
    case 'schema':
      return `SCHEMA ${qualifier}`;
    case 'table':
    case 'view':
    case 'materialized view':
      return `TABLE ${q(on.name)}`;
    case 'sequence':
      return `SEQUENCE ${q(on.name)}`;
    case 'function':
    case 'aggregate':
      return `FUNCTION ${q(routineName(on.name))}(${routineArguments(on.name)})`;
    case 'procedure':
      return `PROCEDURE ${q(routineName(on.name))}(${routineArguments(on.name)})`;
    case 'domain':
      return `DOMAIN ${q(on.name)}`;
    case 'enum':
    case 'composite type':
      return `TYPE ${q(on.name)}`;
  }
}

function granteeClause(grantee: string): string {
  return grantee === 'PUBLIC' ? 'PUBLIC' : quoteIdent(grantee);
}

/** Privileges as GRANT lists them: on a column, each followed by the column. */
function privilegeList(privileges: readonly string[], column: string | undefined): string {
  return privileges.map((p) => (column === undefined ? p : `${p} (${quoteIdent(column)})`)).join(', ');
}

/** Privilege -> whether it may be granted on. */
function parse(privileges: readonly string[]): Map<string, boolean> {
  return new Map(privileges.map((p) => (p.endsWith(WITH_GRANT_OPTION) ? [p.slice(0, -WITH_GRANT_OPTION.length), true] : [p, false])));
}

/** What changes for a grantee between `from` and `to` (undefined: the default), in GRANT's order. */
export interface GrantDelta {
  readonly revoked: readonly string[];
  /** Kept, but no longer with the grant option. */
  readonly optionRevoked: readonly string[];
  readonly granted: readonly string[];
  /** Granted, or kept and now with the grant option. */
  readonly grantedWithOption: readonly string[];
}

export function grantDelta(on: GrantTarget, grantee: string, from: readonly string[] | undefined, to: readonly string[] | undefined): GrantDelta {
  const before = parse(from ?? defaultPrivileges(on, grantee));
  const after = parse(to ?? defaultPrivileges(on, grantee));
  return {
    revoked: sortPrivileges([...before.keys()].filter((p) => !after.has(p))),
    optionRevoked: sortPrivileges([...before].filter(([p, option]) => option && after.get(p) === false).map(([p]) => p)),
    granted: sortPrivileges([...after].filter(([p, option]) => !option && !before.has(p)).map(([p]) => p)),
    grantedWithOption: sortPrivileges([...after].filter(([p, option]) => option && before.get(p) !== true).map(([p]) => p)),
  };
}

/**
 * The statements that take a grantee from `from` to `to` (undefined: the default) on an object:
 * REVOKE what goes, REVOKE GRANT OPTION FOR what stays without it, GRANT what comes, and GRANT ...
 * WITH GRANT OPTION what comes with it. Without CASCADE: where the grantee passed a privilege on,
 * the server refuses, and says so, rather than taking it from others too.
 */
export function grantStatements(on: GrantTarget, grantee: string, from: readonly string[] | undefined, to: readonly string[] | undefined, qualifier: string): string[] {
  const { revoked, optionRevoked, granted, grantedWithOption } = grantDelta(on, grantee, from, to);
  const object = `ON ${objectClause(on, qualifier)}`;
  const who = granteeClause(grantee);
  return [
    ...(revoked.length > 0 ? [`REVOKE ${privilegeList(revoked, on.column)} ${object} FROM ${who}`] : []),
    ...(optionRevoked.length > 0 ? [`REVOKE GRANT OPTION FOR ${privilegeList(optionRevoked, on.column)} ${object} FROM ${who}`] : []),
    ...(granted.length > 0 ? [`GRANT ${privilegeList(granted, on.column)} ${object} TO ${who}`] : []),
    ...(grantedWithOption.length > 0 ? [`GRANT ${privilegeList(grantedWithOption, on.column)} ${object} TO ${who} WITH GRANT OPTION`] : []),
  ];
}

/** A grant as the manifest's SQL writes it, unqualified: from the default to what it is. */
export function manifestGrantStatements(grants: readonly GrantModel[]): string[] {
  return grants.flatMap((g) => grantStatements(g, g.grantee, undefined, g.privileges, '').map((s) => `${s};`));
}
