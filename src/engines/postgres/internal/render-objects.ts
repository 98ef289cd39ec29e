// Renders the changes of views, routines, triggers, policies, domains and composite types, and
// a table's row-level security flags.
//
// A definition is the server's own text with the tenant's qualifier stripped: a view's body names
// its tables unqualified, a trigger its table and function, a routine its argument types. So each
// step that runs one sets search_path to the tenant alone (SET LOCAL: to the end of the
// transaction, which the runner starts with that same search_path, so the step leaves it as it
// found it): the unqualified names resolve in the tenant, as they did in the schema the definition
// was read from (pg_catalog is searched first either way), and never in another tenant. The
// object's own name is rewritten qualified, so what is created can only land in the tenant
// (DESIGN.md invariant 4), and the body of a routine, the user's own text, is run as written.
import { clipBytes, NAMEDATALEN } from '../../shared/names.js';
import type { Change, EnumColumnUse } from '../../../diff/changes.js';
import { routineArguments, routineName } from '../../../model/object-key.js';
import { dependencyOrder } from '../../../diff/diff-objects.js';
import type { DefinedObjectKind, DefinedObjectModel, TableModel } from '../../../model/types.js';
import type { Hazard } from '../../../plan/hazards.js';
import type { PlanStep, RenderOptions, StepLock } from '../../../plan/step.js';
import { quoteIdent, quoteLiteral } from './connect.js';
import { TENANT_IN_SEARCH_PATH } from './inspect-objects.js';
import { identifierAt } from './sql-tokens.js';
import {
  alterDomainHazards,
  dropAttributeHazards,
  dropObjectHazards,
  objectWords,
  pgLocks,
  replaceObjectHazards,
  replaceTypeHazards,
  rowSecurityHazards,
  strongestLock,
  uniqueHazards,
} from './hazards.js';

type ObjectChange = Extract<Change, { kind: 'createObject' | 'dropObject' | 'replaceObject' | 'alterObject' | 'replaceType' | 'dropReplacedType' | 'setRowSecurity' }>;

/** Cuts a name to fit, with a suffix, without splitting a UTF-8 character. */
export function withSuffix(name: string, suffix: string): string {
  return clipBytes(name, NAMEDATALEN - 1 - Buffer.byteLength(suffix)) + suffix;
}

/** The name a replaced domain or composite type (or enum) is renamed to until it is dropped. */
export function replacedTypeName(name: string): string {
  return withSuffix(name, '__old');
}

/** How each kind's definition starts, up to its own name. */
const headers: Readonly<Record<DefinedObjectKind, string | undefined>> = {
  view: 'CREATE VIEW ',
  'materialized view': 'CREATE MATERIALIZED VIEW ',
  function: 'CREATE OR REPLACE FUNCTION ',
  procedure: 'CREATE OR REPLACE PROCEDURE ',
  aggregate: 'CREATE AGGREGATE ',
  domain: 'CREATE DOMAIN ',
  'composite type': 'CREATE TYPE ',
  statistics: 'CREATE STATISTICS ',
  // Not schema objects: named within their table, which search_path resolves.
  trigger: undefined,
  policy: undefined,
  rule: undefined,
};

const sqlKinds: Readonly<Record<DefinedObjectKind, string>> = {
  view: 'VIEW',
  'materialized view': 'MATERIALIZED VIEW',
  function: 'FUNCTION',
  procedure: 'PROCEDURE',
  aggregate: 'AGGREGATE',
  domain: 'DOMAIN',
  'composite type': 'TYPE',
  trigger: 'TRIGGER',
  policy: 'POLICY',
  rule: 'RULE',
  statistics: 'STATISTICS',
};

const triggerStates: Readonly<Record<NonNullable<DefinedObjectModel['enabled']> | 'origin', string>> = {
  origin: 'ENABLE',
  disabled: 'DISABLE',
  replica: 'ENABLE REPLICA',
  always: 'ENABLE ALWAYS',
};

/** The manifest's form: no qualifier at all. */
const unqualified: RenderOptions = { qualifier: '', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] };

function qualified(name: string, options: RenderOptions): string {
  return options.qualifier === '' ? quoteIdent(name) : `${options.qualifier}.${quoteIdent(name)}`;
}

/** Words for a summary line, control characters made visible. */
function words(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function step(summary: string, sql: string[], hazards: readonly Hazard[], lock: StepLock): PlanStep {
  return { summary, sql, hazards: uniqueHazards(hazards), runs: 'main-transaction', lock, transactional: true };
}

/**
 * Statements that name tenant objects unqualified, run with the tenant as search_path. Said in
 * the step itself, so the reviewed SQL runs the same whoever runs it.
 */
function inTenant(statements: readonly string[], options: RenderOptions): string[] {
  return [`SET LOCAL search_path TO ${options.qualifier}`, ...statements];
}

/** The object's own name within the object's kind: a routine's without its arguments. */
function ownName(object: DefinedObjectModel): string {
  return isRoutine(object) ? routineName(object.name) : object.name;
}

/** Named with its argument types, which may be the tenant's own. */
function isRoutine(object: DefinedObjectModel): boolean {
  return object.kind === 'function' || object.kind === 'procedure' || object.kind === 'aggregate';
}

/** The definition with the object's own name qualified by the tenant. */
function qualifiedDefinition(object: DefinedObjectModel, options: RenderOptions): string {
  const header = headers[object.kind];
  if (header === undefined) return object.definition;
  const name = ownName(object);
  const found = object.definition.startsWith(header) ? identifierAt(object.definition, header.length) : undefined;
  // Only a definition that creates the object it is recorded as is run.
  if (found === undefined || found.value !== name) {
    throw new Error(`the definition of ${objectWords(object)} does not start with ${header}${quoteIdent(name)}`);
  }
  return header + qualified(name, options) + object.definition.slice(found.end);
}

/** How DROP, COMMENT ON and ALTER name the object. */
function reference(object: DefinedObjectModel, options: RenderOptions): string {
  switch (object.kind) {
    case 'function':
    case 'procedure':
    case 'aggregate':
      return `${qualified(routineName(object.name), options)}(${routineArguments(object.name)})`;
    case 'trigger':
    case 'policy':
    case 'rule':
      return `${quoteIdent(object.name)} ON ${qualified(object.table ?? '', options)}`;
    default:
      return qualified(object.name, options);
  }
}

function commentOn(object: DefinedObjectModel, comment: string | undefined, options: RenderOptions): string {
  return `COMMENT ON ${sqlKinds[object.kind]} ${reference(object, options)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;
}

/** COMMENT ON COLUMN for each column of `to` whose comment differs from `from`'s (all of them for a new object). */
function columnComments(from: DefinedObjectModel | undefined, to: DefinedObjectModel, options: RenderOptions): string[] {
  const before = from?.columnComments ?? {};
  const after = to.columnComments ?? {};
  // An attribute dropped took its comment along.
  const attributes = to.attributes === undefined ? undefined : new Set(to.attributes.map((a) => a.name));
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return names
    .filter((name) => before[name] !== after[name] && (attributes === undefined || attributes.has(name)))
    .map((name) => `COMMENT ON COLUMN ${qualified(to.name, options)}.${quoteIdent(name)} IS ${after[name] === undefined ? 'NULL' : quoteLiteral(after[name])}`);
}

/** -1 gives the statistics back the targets of their columns (PostgreSQL 15 and 16 take no DEFAULT here). */
function statisticsTarget(object: DefinedObjectModel, options: RenderOptions): string {
  return `ALTER STATISTICS ${qualified(object.name, options)} SET STATISTICS ${object.statisticsTarget ?? -1}`;
}

function triggerState(object: DefinedObjectModel, options: RenderOptions): string {
  const what = object.kind === 'rule' ? 'RULE' : 'TRIGGER';
  return `ALTER TABLE ${qualified(object.table ?? '', options)} ${triggerStates[object.enabled ?? 'origin']} ${what} ${quoteIdent(object.name)}`;
}

/** The name of the index a materialized view's `CREATE [UNIQUE] INDEX name ON ...` creates. */
function indexName(definition: string): string {
  const header = /^CREATE (?:UNIQUE )?INDEX /.exec(definition);
  const found = header ? identifierAt(definition, header[0].length) : undefined;
  if (found === undefined) throw new Error(`not an index definition: ${definition}`);
  return found.value;
}

/** Routines are created before the tables their bodies may name: the server checks bodies later, at each call. */
function routineStatements(object: DefinedObjectModel, options: RenderOptions): string[] {
  return ['SET LOCAL check_function_bodies TO off', withTenantInSearchPath(qualifiedDefinition(object, options), options), 'SET LOCAL check_function_bodies TO DEFAULT'];
}

/** The tenant's quoted name where the routine's SET search_path names its own schema (see TENANT_IN_SEARCH_PATH). */
function withTenantInSearchPath(definition: string, options: RenderOptions): string {
  // The manifest's form keeps the mark: the compile puts its scratch schema there.
  if (options.qualifier === '') return definition;
  const qualifier = options.qualifier;
  return definition.replace(/^( SET search_path TO )(.*)$/m, (_line, head: string, list: string) => head + list.split(TENANT_IN_SEARCH_PATH).join(qualifier));
}

/** What creates the object, to run with the tenant as search_path. */
function createSql(object: DefinedObjectModel, options: RenderOptions): string[] {
  const routine = object.kind === 'function' || object.kind === 'procedure';
  const sql = routine ? routineStatements(object, options) : [qualifiedDefinition(object, options)];
  if ((object.kind === 'trigger' || object.kind === 'rule') && object.enabled !== undefined) sql.push(triggerState(object, options));
  if (object.statisticsTarget !== undefined) sql.push(statisticsTarget(object, options));
  for (const index of object.indexes ?? []) sql.push(index);
  if (object.comment !== undefined) sql.push(commentOn(object, object.comment, options));
  sql.push(...columnComments(undefined, object, options));
  return sql;
}

function createStatements(object: DefinedObjectModel, options: RenderOptions): string[] {
  return inTenant(createSql(object, options), options);
}

/**
 * The expression that converts a column's value of the old type to the new one. A domain casts
 * through its base types. A composite value is built again attribute by attribute, by name (an
 * attribute the old type lacks is NULL; a NULL value stays NULL): there is no cast between two
 * composite types. An array of composites goes through its text form, which holds only when the
 * attributes line up by position.
 */
function conversion(from: DefinedObjectModel, to: DefinedObjectModel, use: EnumColumnUse, type: string): string {
  const column = quoteIdent(use.column);
  if (to.kind !== 'composite type') return `${column}::${type}${use.array ? '[]' : ''}`;
  if (use.array) return `${column}::text::${type}[]`;
  const had = new Set((from.attributes ?? []).map((a) => a.name));
  const values = (to.attributes ?? []).map((a) => (had.has(a.name) ? `(${column}).${quoteIdent(a.name)}` : 'NULL'));
  return `CASE WHEN pg_catalog.num_nulls(${column}) = 0 THEN ROW(${values.join(', ')})::${type} END`;
}

/** The old type renamed aside, the new one created under its name, and every column that holds it converted (one rewrite per table). */
function replaceType(change: Extract<Change, { kind: 'replaceType' }>, options: RenderOptions): PlanStep {
  const { from, to, usedBy } = change;
  const type = qualified(to.name, options);
  const sql = [`ALTER ${sqlKinds[from.kind]} ${qualified(from.name, options)} RENAME TO ${quoteIdent(replacedTypeName(from.name))}`, ...createSql(to, options)];
  const tables = [...new Set(usedBy.map((use) => use.table))];
  for (const table of tables) {
    const uses = usedBy.filter((use) => use.table === table);
    // A default is dropped before the conversion and set again after it: its expression may name the old type.
    const clauses = [
      ...uses.filter((use) => use.default !== undefined).map((use) => `ALTER COLUMN ${quoteIdent(use.column)} DROP DEFAULT`),
      ...uses.map((use) => `ALTER COLUMN ${quoteIdent(use.column)} TYPE ${type}${use.array ? '[]' : ''} USING ${conversion(from, to, use, type)}`),
      ...uses.flatMap((use) => (use.default !== undefined ? [`ALTER COLUMN ${quoteIdent(use.column)} SET DEFAULT ${use.default}`] : [])),
    ];
    sql.push(`ALTER TABLE ${qualified(table, options)} ${clauses.join(', ')}`);
  }
  const columns = usedBy.map((use) => `${use.table}.${use.column}`);
  const summary = `replace ${words(objectWords(to))}${columns.length > 0 ? `, converting ${words(columns.join(', '))}` : ''}`;
  const arrays = usedBy.filter((use) => use.array).map((use) => `${use.table}.${use.column}`);
  return step(summary, inTenant(sql, options), replaceTypeHazards(to, columns, arrays, droppedAttributes(from, to)), pgLocks.alterTable);
}

/** A composite type's attributes that the new one lacks. */
function droppedAttributes(from: DefinedObjectModel, to: DefinedObjectModel): string[] {
  const kept = new Set((to.attributes ?? []).map((a) => a.name));
  return (from.attributes ?? []).filter((a) => !kept.has(a.name)).map((a) => a.name);
}

/** ALTER TYPE's actions: drops, then retypes, then additions (which append, in the desired order). */
function attributeActions(from: DefinedObjectModel, to: DefinedObjectModel): string[] {
  const had = new Map((from.attributes ?? []).map((a) => [a.name, a.type]));
  const actions = droppedAttributes(from, to).map((name) => `DROP ATTRIBUTE ${quoteIdent(name)}`);
  for (const a of to.attributes ?? []) {
    const type = had.get(a.name);
    if (type !== undefined && type !== a.type) actions.push(`ALTER ATTRIBUTE ${quoteIdent(a.name)} TYPE ${a.type}`);
  }
  for (const a of to.attributes ?? []) if (!had.has(a.name)) actions.push(`ADD ATTRIBUTE ${quoteIdent(a.name)} ${a.type}`);
  return actions;
}

const createLocks: Readonly<Record<DefinedObjectKind, StepLock>> = {
  // Reads the tables it selects from; a materialized view runs its query.
  view: 'ACCESS SHARE',
  'materialized view': 'ACCESS SHARE',
  function: pgLocks.create,
  procedure: pgLocks.create,
  aggregate: pgLocks.create,
  domain: pgLocks.create,
  'composite type': pgLocks.create,
  trigger: 'SHARE ROW EXCLUSIVE',
  policy: pgLocks.alterTable,
  rule: pgLocks.alterTable,
  statistics: 'SHARE UPDATE EXCLUSIVE',
};

export function renderObjectChange(change: ObjectChange, options: RenderOptions): PlanStep[] {
  switch (change.kind) {
    case 'setRowSecurity': {
      const table = qualified(change.table, options);
      const sql: string[] = [];
      if (change.from.enabled !== change.to.enabled) sql.push(`ALTER TABLE ${table} ${change.to.enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
      if (change.from.forced !== change.to.forced) sql.push(`ALTER TABLE ${table} ${change.to.forced ? 'FORCE' : 'NO FORCE'} ROW LEVEL SECURITY`);
      const state = `${change.to.enabled ? 'enabled' : 'disabled'}${change.to.forced ? ', forced' : ''}`;
      return [step(`row level security on ${words(change.table)}: ${state}`, sql, rowSecurityHazards(change.table, change.from, change.to), pgLocks.alterTable)];
    }
    case 'createObject': {
      const { object } = change;
      return [
        step(`${change.recreate ? 'recreate' : 'create'} ${words(objectWords(object))}`, createStatements(object, options), [], createLocks[object.kind]),
      ];
    }
    case 'dropObject': {
      const { object } = change;
      const statement = `DROP ${sqlKinds[object.kind]} ${reference(object, options)}`;
      // A routine's argument types may be the tenant's own, named unqualified.
      const sql = isRoutine(object) ? inTenant([statement], options) : [statement];
      const hazards = dropObjectHazards(object, change.recreate === true, change.dependants ?? []);
      return [step(`drop ${words(objectWords(object))}${change.recreate ? ' (to recreate it)' : ''}`, sql, hazards, pgLocks.alterTable)];
    }
    case 'replaceObject': {
      const { from, to } = change;
      const sql = routineStatements(to, options);
      if ((from.comment ?? null) !== (to.comment ?? null)) sql.push(commentOn(to, to.comment, options));
      return [step(`replace ${words(objectWords(to))}`, inTenant(sql, options), replaceObjectHazards(to, change.usedBy ?? []), pgLocks.create)];
    }
    case 'alterObject':
      return [alterObject(change, options)];
    case 'replaceType':
      return [replaceType(change, options)];
    case 'dropReplacedType': {
      const { object } = change;
      const old = replacedTypeName(object.name);
      return [step(`drop the replaced ${words(objectWords(object))} (${words(old)})`, [`DROP ${sqlKinds[object.kind]} ${qualified(old, options)}`], [], pgLocks.alterTable)];
    }
  }
}

function alterObject(change: Extract<Change, { kind: 'alterObject' }>, options: RenderOptions): PlanStep {
  const { from, to } = change;
  const sql: string[] = [];
  const locks: StepLock[] = [];
  const hazards: Hazard[] = [];
  for (const property of change.changed) {
    switch (property) {
      case 'comment':
        sql.push(commentOn(to, to.comment, options));
        locks.push(pgLocks.comment);
        break;
      case 'columnComments':
        sql.push(...columnComments(from, to, options));
        locks.push(pgLocks.comment);
        break;
      case 'enabled':
        sql.push(triggerState(to, options));
        locks.push(to.kind === 'rule' ? pgLocks.alterTable : 'SHARE ROW EXCLUSIVE');
        break;
      case 'statisticsTarget':
        sql.push(statisticsTarget(to, options));
        locks.push(pgLocks.setColumnStatistics);
        break;
      case 'indexes': {
        const before = new Set(from.indexes ?? []);
        const after = new Set(to.indexes ?? []);
        for (const index of from.indexes ?? []) if (!after.has(index)) sql.push(`DROP INDEX ${qualified(indexName(index), options)}`);
        for (const index of to.indexes ?? []) if (!before.has(index)) sql.push(index);
        locks.push(pgLocks.alterTable);
        break;
      }
      case 'domain': {
        const domain = qualified(to.name, options);
        const a = from.domain;
        const b = to.domain;
        if (a === undefined || b === undefined) throw new Error(`${objectWords(to)} has no domain parts to alter`);
        if ((a.default ?? null) !== (b.default ?? null)) sql.push(`ALTER DOMAIN ${domain} ${b.default !== undefined ? `SET DEFAULT ${b.default}` : 'DROP DEFAULT'}`);
        if ((a.notNull ?? false) !== (b.notNull ?? false)) sql.push(`ALTER DOMAIN ${domain} ${b.notNull ? 'SET' : 'DROP'} NOT NULL`);
        const wanted = new Map(b.checks.map((c) => [c.name, c.definition]));
        const existing = new Map(a.checks.map((c) => [c.name, c.definition]));
        for (const check of a.checks) if (wanted.get(check.name) !== check.definition) sql.push(`ALTER DOMAIN ${domain} DROP CONSTRAINT ${quoteIdent(check.name)}`);
        const added = b.checks.filter((c) => existing.get(c.name) !== c.definition);
        for (const check of added) sql.push(`ALTER DOMAIN ${domain} ADD CONSTRAINT ${quoteIdent(check.name)} ${check.definition}`);
        hazards.push(...alterDomainHazards(to.name, added.length > 0, b.notNull === true && !a.notNull));
        locks.push('SHARE');
        break;
      }
      case 'attributes':
        sql.push(`ALTER TYPE ${qualified(to.name, options)} ${attributeActions(from, to).join(', ')}`);
        hazards.push(...dropAttributeHazards(to.name, droppedAttributes(from, to), change.usedBy ?? []));
        locks.push(pgLocks.alterTable);
        break;
    }
  }
  return step(`alter ${words(objectWords(to))}: ${change.changed.join(', ')}`, inTenant(sql, options), hazards, strongestLock(locks));
}

/**
 * The statements that make the schema's objects, and its tables' row-level security, as a
 * manifest's `sql:` holds them: unqualified (the compile and each tenant put them in place),
 * one entry per object, each object after what it depends on.
 */
export function objectStatements(objects: readonly DefinedObjectModel[], tables: readonly TableModel[]): string[] {
  const entries: string[] = [];
  for (const object of dependencyOrder(objects)) {
    const sql = [object.definition];
    if (object.kind === 'trigger' && object.enabled !== undefined) {
      sql.push(`ALTER TABLE ${quoteIdent(object.table ?? '')} ${triggerStates[object.enabled]} TRIGGER ${quoteIdent(object.name)}`);
    }
    if (object.statisticsTarget !== undefined) sql.push(statisticsTarget(object, unqualified));
    sql.push(...(object.indexes ?? []));
    if (object.comment !== undefined) sql.push(commentOn(object, object.comment, unqualified));
    sql.push(...columnComments(undefined, object, unqualified));
    entries.push(sql.map((s) => `${s};`).join('\n'));
  }
  for (const table of tables) {
    const sql: string[] = [];
    if (table.rowSecurity) sql.push(`ALTER TABLE ${quoteIdent(table.name)} ENABLE ROW LEVEL SECURITY;`);
    if (table.forceRowSecurity) sql.push(`ALTER TABLE ${quoteIdent(table.name)} FORCE ROW LEVEL SECURITY;`);
    if (sql.length > 0) entries.push(sql.join('\n'));
  }
  return entries;
}
