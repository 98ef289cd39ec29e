// The objects the server prints whole (DefinedObjectModel), read by the queries of queries.ts
// (ROUTINES, DOMAINS, COMPOSITE_TYPES, VIEWS, TRIGGERS, POLICIES, OBJECT_DEPENDENCIES) for a chunk
// of tenants at once. Definitions are catalog output with the tenant's own qualifier stripped,
// so two tenants, or a tenant and the compiled desired schema, hold equal text exactly when the
// server prints their objects alike (DESIGN.md invariant 2).
import type { CompositeAttribute, DefinedObjectKind, DefinedObjectModel, DomainParts, UnmanagedObject } from '../../../model/types.js';
import { compareNames } from '../../../model/fingerprint.js';
import { objectKey, tableKey } from '../../../model/object-key.js';
import { sqlTokens } from './sql-tokens.js';

/** What an object read needs of its tenant's draft. */
export interface ObjectSchema {
  readonly oid: number;
  /** The schema's own name: a routine's SET search_path may name it. */
  readonly name: string;
  strip(text: string): string;
  /** Where what the model does not hold is reported. */
  readonly unmanaged: UnmanagedObject[];
}

/**
 * Stands for the tenant's own schema in a routine's `SET search_path` (a SECURITY DEFINER
 * function's usual guard): each tenant names itself there, so the model holds this mark and the
 * renderer puts the tenant's quoted name back. No catalog output contains it: pg_get_functiondef
 * prints the path's entries as quoted literals.
 */
export const TENANT_IN_SEARCH_PATH = '@tenant@';

/** The routine's `SET search_path TO 'a', 'b'` line with the schema's own entry made the mark. */
function neutralSearchPath(definition: string, schemaName: string): string {
  const own = `'${schemaName.replaceAll("'", "''")}'`;
  return definition.replace(/^( SET search_path TO )(.*)$/m, (_line, head: string, list: string) => {
    const entries: string[] = [];
    let start: number | undefined;
    let end = 0;
    for (const token of sqlTokens(list)) {
      if (token.kind === 'other' && list[token.start] === ',') {
        if (start !== undefined) entries.push(list.slice(start, end));
        start = undefined;
        continue;
      }
      start ??= token.start;
      end = token.end;
    }
    if (start !== undefined) entries.push(list.slice(start, end));
    return head + entries.map((entry) => (entry === own ? TENANT_IN_SEARCH_PATH : entry)).join(', ');
  });
}

export interface RoutineRow {
  oid: number;
  schema_oid: number;
  name: string;
  kind: 'function' | 'procedure';
  identity_args: string;
  signature: string;
  definition: string;
  /** prosrc: the user's own text between the dollar quotes; null for a SQL-standard body. */
  body: string | null;
  comment: string | null;
  other_owner: string | null;
}
export interface AggregateRow {
  oid: number;
  schema_oid: number;
  name: string;
  quoted: string;
  identity_args: string;
  args: string;
  agg_kind: string;
  sfunc: string;
  stype: string;
  sspace: number;
  finalfunc: string | null;
  final_extra: boolean;
  final_modify: string;
  combinefunc: string | null;
  serialfunc: string | null;
  deserialfunc: string | null;
  initcond: string | null;
  msfunc: string | null;
  minvfunc: string | null;
  mstype: string | null;
  msspace: number;
  mfinalfunc: string | null;
  mfinal_extra: boolean;
  mfinal_modify: string;
  minitcond: string | null;
  sortop: string | null;
  parallel: string;
  comment: string | null;
  other_owner: string | null;
}
export interface DomainRow {
  oid: number;
  schema_oid: number;
  name: string;
  quoted: string;
  base_type: string;
  collation: string | null;
  default_expr: string | null;
  not_null: boolean;
  check_names: string[];
  check_quoted: string[];
  check_definitions: string[];
  comment: string | null;
  other_owner: string | null;
}
export interface CompositeRow {
  oid: number;
  relid: number;
  schema_oid: number;
  name: string;
  quoted: string;
  attributes: string[];
  column_comment_names: string[];
  column_comments: string[];
  comment: string | null;
}
export interface ViewRow {
  oid: number;
  kind: 'v' | 'm';
  quoted: string;
  body: string;
  options: string[] | null;
  indexes: string[] | null;
  column_comment_names: string[];
  column_comments: string[];
  comment: string | null;
  /** Columns given a default by ALTER VIEW ... ALTER COLUMN ... SET DEFAULT. */
  defaulted_columns: string[];
}
export interface TriggerRow {
  oid: number;
  table_oid: number;
  name: string;
  definition: string;
  enabled: string;
  comment: string | null;
}
export interface PolicyRow {
  oid: number;
  table_oid: number;
  name: string;
  quoted: string;
  quoted_table: string;
  permissive: boolean;
  command: string;
  roles: string[];
  using_expr: string | null;
  check_expr: string | null;
  comment: string | null;
}
export interface RuleRow {
  oid: number;
  table_oid: number;
  name: string;
  definition: string;
  enabled: string;
  comment: string | null;
}
export interface StatisticsRow {
  oid: number;
  table_oid: number;
  schema_oid: number;
  name: string;
  definition: string;
  /** stxstattarget: -1 (PG17+: NULL) for the columns' own targets. */
  target: number | null;
  comment: string | null;
}
export interface DependencyRow {
  catalog: 'pg_proc' | 'pg_type' | 'pg_class' | 'pg_trigger' | 'pg_policy';
  oid: number;
  ref_schema_oid: number;
  ref_kind: string;
  ref_name: string;
  ref_args: string | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** What pg_class says a relation may hold besides itself. */
export interface RelationFlags {
  readonly triggers: boolean;
  readonly rules: boolean;
}

interface Found {
  readonly schema: ObjectSchema;
  readonly object: Mutable<DefinedObjectModel>;
  readonly dependsOn: Set<string>;
}

const triggerStates: Readonly<Record<string, DefinedObjectModel['enabled']>> = { D: 'disabled', R: 'replica', A: 'always' };
const policyCommands: Readonly<Record<string, string>> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' };

/** The defined objects of one chunk while their rows come in. */
export class ObjectsDraft {
  /** By catalog and oid, as OBJECT_DEPENDENCIES names them. */
  readonly #found = new Map<string, Found>();
  readonly #bySchema = new Map<ObjectSchema, Found[]>();
  /** Views and materialized views from RELATIONS, waiting for VIEWS. */
  readonly #views = new Map<number, { readonly schema: ObjectSchema; readonly name: string }>();
  /** Managed tables and views by oid: triggers and policies name their table. */
  readonly #relations = new Map<number, { readonly schema: ObjectSchema; readonly name: string }>();
  readonly #tables: number[] = [];
  /** The relations that may have triggers, and rules (relhastriggers, relhasrules): the others are not looked into. */
  readonly #withTriggers: number[] = [];
  readonly #withRules: number[] = [];

  constructor(private readonly schemaByOid: (oid: number) => ObjectSchema | undefined) {}

  addTable(oid: number, schema: ObjectSchema, name: string, has: RelationFlags): void {
    this.#relations.set(oid, { schema, name });
    this.#tables.push(oid);
    this.#flag(oid, has);
  }

  addView(oid: number, schema: ObjectSchema, name: string, has: RelationFlags): void {
    this.#views.set(oid, { schema, name });
    this.#relations.set(oid, { schema, name });
    this.#flag(oid, has);
  }

  #flag(oid: number, has: RelationFlags): void {
    if (has.triggers) this.#withTriggers.push(oid);
    if (has.rules) this.#withRules.push(oid);
  }

  /** VIEWS' parameter. */
  viewsToLookUp(): [number[]] | undefined {
    return this.#views.size === 0 ? undefined : [[...this.#views.keys()]];
  }

  /** TRIGGERS' parameter: the managed tables and views that may have triggers. */
  triggerRelations(): [number[]] | undefined {
    return this.#withTriggers.length === 0 ? undefined : [this.#withTriggers];
  }

  /** RULES' parameter: the managed tables and views that may have rules. */
  ruleRelations(): [number[]] | undefined {
    return this.#withRules.length === 0 ? undefined : [this.#withRules];
  }

  /** STATISTICS' parameter: the managed tables. */
  statisticsTables(): [number[]] | undefined {
    return this.policyTables();
  }

  /** POLICIES' parameter: the managed tables. */
  policyTables(): [number[]] | undefined {
    return this.#tables.length === 0 ? undefined : [this.#tables];
  }

  addRoutine(row: RoutineRow): void {
    const schema = this.schemaByOid(row.schema_oid);
    if (schema === undefined) return;
    this.#add(schema, 'pg_proc', row.oid, {
      kind: row.kind,
      name: `${row.name}(${schema.strip(row.identity_args)})`,
      definition: neutralSearchPath(stripAroundBody(schema, row.definition.trimEnd(), row.body), schema.name),
      signature: schema.strip(row.signature),
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  addAggregate(row: AggregateRow): void {
    const schema = this.schemaByOid(row.schema_oid);
    if (schema === undefined) return;
    this.#add(schema, 'pg_proc', row.oid, {
      kind: 'aggregate',
      name: `${row.name}(${schema.strip(row.identity_args)})`,
      definition: aggregateDefinition(schema, row),
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  addDomain(row: DomainRow): void {
    const schema = this.schemaByOid(row.schema_oid);
    if (schema === undefined) return;
    const type = schema.strip(row.base_type) + (row.collation !== null ? ` COLLATE ${schema.strip(row.collation)}` : '');
    const parts: Mutable<DomainParts> = {
      type,
      checks: row.check_names.map((name, i) => ({ name, definition: schema.strip(row.check_definitions[i] ?? '') })),
    };
    if (row.default_expr !== null) parts.default = schema.strip(row.default_expr);
    if (row.not_null) parts.notNull = true;
    this.#add(schema, 'pg_type', row.oid, {
      kind: 'domain',
      name: row.name,
      definition: domainDefinition(row.quoted, parts, row.check_quoted),
      domain: parts,
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  addComposite(row: CompositeRow): void {
    const schema = this.schemaByOid(row.schema_oid);
    if (schema === undefined) return;
    const attributes = row.attributes.map((a) => schema.strip(a));
    const found = this.#add(schema, 'pg_type', row.oid, {
      kind: 'composite type',
      name: row.name,
      definition: `CREATE TYPE ${row.quoted} AS (${attributes.length === 0 ? '' : `\n    ${attributes.join(',\n    ')}\n`})`,
      attributes: attributes.map(compositeAttribute),
      ...columnComments(row),
      ...(row.comment !== null && { comment: row.comment }),
    });
    // Its attributes' types are dependencies of its pg_class row.
    this.#found.set(`pg_class ${row.relid}`, found);
  }

  /** The pg_class rows of composite types, for OBJECT_DEPENDENCIES. */
  #compositeRelations(): number[] {
    const oids: number[] = [];
    for (const [key, found] of this.#found) if (key.startsWith('pg_class ') && found.object.kind === 'composite type') oids.push(Number(key.slice(9)));
    return oids;
  }

  addViewDefinition(row: ViewRow): void {
    const view = this.#views.get(row.oid);
    if (view === undefined) return;
    const { schema } = view;
    const kind: DefinedObjectKind = row.kind === 'm' ? 'materialized view' : 'view';
    const options = row.options ?? [];
    const withOptions = options.length === 0 ? '' : ` WITH (${options.map(reloption).join(', ')})`;
    const body = schema.strip(row.body).trimEnd().replace(/;$/, '');
    const indexes = (row.indexes ?? []).map((i) => schema.strip(i)).sort(compareNames);
    // Not in the model: pg_dump prints them, so they are said to be outside it.
    for (const column of row.defaulted_columns) schema.unmanaged.push({ kind: 'view column default', name: `${view.name}.${column}` });
    this.#add(schema, 'pg_class', row.oid, {
      kind,
      name: view.name,
      definition: `CREATE ${kind === 'view' ? 'VIEW' : 'MATERIALIZED VIEW'} ${row.quoted}${withOptions} AS\n${body}`,
      ...(indexes.length > 0 && { indexes }),
      ...columnComments(row),
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  addTrigger(row: TriggerRow): void {
    this.#addEnabledOnRelation('pg_trigger', 'trigger', row, (text) => text);
  }

  addRule(row: RuleRow): void {
    this.#addEnabledOnRelation('pg_rewrite', 'rule', row, (text) => text.trimEnd().replace(/;$/, ''));
  }

  /** A trigger or a rule: named within its table, with an enabled state (tgenabled, ev_enabled). */
  #addEnabledOnRelation(
    catalog: 'pg_trigger' | 'pg_rewrite',
    kind: 'trigger' | 'rule',
    row: { oid: number; table_oid: number; name: string; definition: string; enabled: string; comment: string | null },
    tidy: (definition: string) => string,
  ): void {
    const relation = this.#relations.get(row.table_oid);
    if (relation === undefined) return;
    const enabled = triggerStates[row.enabled];
    this.#add(relation.schema, catalog, row.oid, {
      kind,
      name: row.name,
      table: relation.name,
      definition: tidy(relation.schema.strip(row.definition)),
      ...(enabled !== undefined && { enabled }),
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  addStatistics(row: StatisticsRow): void {
    const relation = this.#relations.get(row.table_oid);
    // Statistics kept in another schema than their table's are not the tenant's own.
    if (relation === undefined || relation.schema.oid !== row.schema_oid) return;
    const found = this.#add(relation.schema, 'pg_statistic_ext', row.oid, {
      kind: 'statistics',
      name: row.name,
      definition: relation.schema.strip(row.definition),
      ...(row.target !== null && row.target >= 0 && { statisticsTarget: row.target }),
      ...(row.comment !== null && { comment: row.comment }),
    });
    // They are on their table: a column type change under them rebuilds them from their
    // definition alone (losing their target), so the plan drops and creates them around it.
    found.dependsOn.add(tableKey(relation.name));
  }

  addPolicy(row: PolicyRow): void {
    const relation = this.#relations.get(row.table_oid);
    if (relation === undefined) return;
    const { schema } = relation;
    // Clause by clause as pg_dump writes CREATE POLICY (dumpPolicy), defaults left out.
    let definition = `CREATE POLICY ${row.quoted} ON ${row.quoted_table}`;
    if (!row.permissive) definition += ' AS RESTRICTIVE';
    const command = policyCommands[row.command];
    if (command !== undefined) definition += ` FOR ${command}`;
    if (!(row.roles.length === 1 && row.roles[0] === 'PUBLIC')) definition += ` TO ${row.roles.join(', ')}`;
    if (row.using_expr !== null) definition += ` USING (${schema.strip(row.using_expr)})`;
    if (row.check_expr !== null) definition += ` WITH CHECK (${schema.strip(row.check_expr)})`;
    this.#add(schema, 'pg_policy', row.oid, {
      kind: 'policy',
      name: row.name,
      table: relation.name,
      definition,
      ...(row.comment !== null && { comment: row.comment }),
    });
  }

  /** OBJECT_DEPENDENCIES' parameters. Undefined when the chunk has no objects. */
  dependenciesToLookUp(): [number[], number[], number[], number[], number[], number[]] | undefined {
    if (this.#found.size === 0) return undefined;
    const of = (catalog: string, kinds: readonly DefinedObjectKind[]): number[] => {
      const oids: number[] = [];
      for (const [key, found] of this.#found) {
        if (key.startsWith(catalog + ' ') && kinds.includes(found.object.kind)) oids.push(Number(key.slice(catalog.length + 1)));
      }
      return oids;
    };
    return [
      of('pg_proc', ['function', 'procedure', 'aggregate']),
      of('pg_type', ['domain']),
      this.#compositeRelations(),
      of('pg_class', ['view', 'materialized view']),
      of('pg_trigger', ['trigger']),
      of('pg_policy', ['policy']),
    ];
  }

  addDependency(row: DependencyRow): void {
    const found = this.#found.get(`${row.catalog} ${row.oid}`);
    // Only the objects of its own schema: another schema's (an extension's type) is not created here.
    if (found === undefined || row.ref_schema_oid !== found.schema.oid) return;
    const name = row.ref_args === null ? row.ref_name : `${row.ref_name}(${found.schema.strip(row.ref_args)})`;
    const key = row.ref_kind === 'table' ? `table:${name}` : `${row.ref_kind}:${name}`;
    if (key !== objectKey(found.object)) found.dependsOn.add(key);
  }

  /** The objects of one tenant, sorted by kind, table, name. */
  objectsOf(schema: ObjectSchema): DefinedObjectModel[] {
    const found = this.#bySchema.get(schema) ?? [];
    return found
      .map(({ object, dependsOn }) => (dependsOn.size === 0 ? object : { ...object, dependsOn: [...dependsOn].sort(compareNames) }))
      .sort(compareObjects);
  }

  #add(schema: ObjectSchema, catalog: string, oid: number, object: Mutable<DefinedObjectModel>): Found {
    const found: Found = { schema, object, dependsOn: new Set() };
    this.#found.set(`${catalog} ${oid}`, found);
    let list = this.#bySchema.get(schema);
    if (list === undefined) this.#bySchema.set(schema, (list = []));
    list.push(found);
    return found;
  }
}

/** The comments on a relation's columns, when it has some. */
function columnComments(row: { column_comment_names: string[]; column_comments: string[] }): Pick<DefinedObjectModel, 'columnComments'> {
  if (row.column_comment_names.length === 0) return {};
  return { columnComments: Object.fromEntries(row.column_comment_names.map((name, i) => [name, row.column_comments[i] ?? ''])) };
}

/** `"a b" integer COLLATE "C"` (quote_ident, then format_type) as its name and the rest. */
function compositeAttribute(text: string): CompositeAttribute {
  if (text.startsWith('"')) {
    let name = '';
    for (let i = 1; i < text.length; i++) {
      if (text[i] !== '"') name += text[i];
      else if (text[i + 1] === '"') {
        name += '"';
        i++;
      } else return { name, type: text.slice(i + 2) };
    }
  }
  const space = text.indexOf(' ');
  return { name: text.slice(0, space), type: text.slice(space + 1) };
}

export function compareObjects(a: DefinedObjectModel, b: DefinedObjectModel): number {
  return compareNames(a.kind, b.kind) || compareNames(a.table ?? '', b.table ?? '') || compareNames(a.name, b.name);
}

/**
 * pg_get_functiondef's text made tenant-neutral around the body, which is the user's own text
 * and stays as written (a body may name the tenant's schema on purpose; only the catalog's text,
 * the name, argument and result types and SET clauses, is the server's).
 */
function stripAroundBody(schema: ObjectSchema, definition: string, body: string | null): string {
  if (body === null || body.length === 0) return schema.strip(definition);
  const at = definition.lastIndexOf(body);
  if (at < 0) return schema.strip(definition);
  return schema.strip(definition.slice(0, at)) + body + schema.strip(definition.slice(at + body.length));
}

/** `security_barrier=true` as WITH (...) takes it: a value that is not a plain word is quoted. */
function reloption(option: string): string {
  const eq = option.indexOf('=');
  if (eq < 0) return option;
  const value = option.slice(eq + 1);
  return `${option.slice(0, eq)}=${/^[A-Za-z0-9_.]+$/.test(value) ? value : `'${value.replaceAll("'", "''")}'`}`;
}

/** CREATE DOMAIN with its clauses in pg_dump's order; the check names as quote_ident prints them. */
function domainDefinition(quotedName: string, parts: DomainParts, quotedChecks: readonly string[]): string {
  let sql = `CREATE DOMAIN ${quotedName} AS ${parts.type}`;
  if (parts.default !== undefined) sql += ` DEFAULT ${parts.default}`;
  if (parts.notNull) sql += ' NOT NULL';
  parts.checks.forEach((check, i) => (sql += ` CONSTRAINT ${quotedChecks[i] ?? check.name} ${check.definition}`));
  return sql;
}

const finalModify: Readonly<Record<string, string>> = { r: 'READ_ONLY', s: 'SHAREABLE', w: 'READ_WRITE' };

/**
 * CREATE AGGREGATE with the options pg_dump writes (dumpAgg), each only where it is not the
 * default: an ordered-set aggregate's final function modifies its state by default (READ_WRITE),
 * a plain one's does not (READ_ONLY).
 */
function aggregateDefinition(schema: ObjectSchema, row: AggregateRow): string {
  const name = (fn: string): string => schema.strip(fn);
  const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;
  const defaultModify = row.agg_kind === 'n' ? 'r' : 'w';
  const options = [`SFUNC = ${name(row.sfunc)}`, `STYPE = ${schema.strip(row.stype)}`];
  if (row.sspace !== 0) options.push(`SSPACE = ${row.sspace}`);
  if (row.finalfunc !== null) options.push(`FINALFUNC = ${name(row.finalfunc)}`);
  if (row.final_extra) options.push('FINALFUNC_EXTRA');
  if (row.finalfunc !== null && row.final_modify !== defaultModify) options.push(`FINALFUNC_MODIFY = ${finalModify[row.final_modify] ?? row.final_modify}`);
  if (row.combinefunc !== null) options.push(`COMBINEFUNC = ${name(row.combinefunc)}`);
  if (row.serialfunc !== null) options.push(`SERIALFUNC = ${name(row.serialfunc)}`);
  if (row.deserialfunc !== null) options.push(`DESERIALFUNC = ${name(row.deserialfunc)}`);
  if (row.initcond !== null) options.push(`INITCOND = ${literal(row.initcond)}`);
  if (row.msfunc !== null) {
    options.push(`MSFUNC = ${name(row.msfunc)}`);
    if (row.minvfunc !== null) options.push(`MINVFUNC = ${name(row.minvfunc)}`);
    if (row.mstype !== null) options.push(`MSTYPE = ${schema.strip(row.mstype)}`);
    if (row.msspace !== 0) options.push(`MSSPACE = ${row.msspace}`);
    if (row.mfinalfunc !== null) options.push(`MFINALFUNC = ${name(row.mfinalfunc)}`);
    if (row.mfinal_extra) options.push('MFINALFUNC_EXTRA');
    if (row.mfinalfunc !== null && row.mfinal_modify !== defaultModify) options.push(`MFINALFUNC_MODIFY = ${finalModify[row.mfinal_modify] ?? row.mfinal_modify}`);
    if (row.minitcond !== null) options.push(`MINITCOND = ${literal(row.minitcond)}`);
  }
  if (row.sortop !== null) options.push(`SORTOP = ${row.sortop}`);
  if (row.agg_kind === 'h') options.push('HYPOTHETICAL');
  if (row.parallel === 's') options.push('PARALLEL = SAFE');
  else if (row.parallel === 'r') options.push('PARALLEL = RESTRICTED');
  return `CREATE AGGREGATE ${row.quoted}(${schema.strip(row.args)}) (\n    ${options.join(',\n    ')}\n)`;
}
