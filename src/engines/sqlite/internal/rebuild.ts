// Folds the changes SQLite's ALTER TABLE cannot make into one table rebuild per table. Pure: no
// tenant is read (renames affecting kept triggers are replayed on an in-memory database).
//
// ALTER TABLE can rename a table or a column, add a column (nullable or with a constant default,
// not a key, not STORED), drop a column nothing else refers to; CREATE/DROP INDEX and
// CREATE/DROP TABLE exist. Everything else (a column's type, nullability, default, collation or
// generation; keys, uniques, checks, foreign keys; constraint names; WITHOUT ROWID, STRICT,
// AUTOINCREMENT) needs https://www.sqlite.org/lang_altertable.html#otheralter.
import Database from 'better-sqlite3';
import type { Change } from '../../../diff/changes.js';
import type { ColumnModel, IndexModel, SchemaModel, TableModel, UnmanagedObject } from '../../../model/types.js';
import { quoteIdent } from './connect.js';
import { identifierName, isConstantLiteral, isNullDefault, mentionsIdentifier, sameName } from './hazards.js';
import { sqlTokens } from './sql-tokens.js';
import { createTableStatement } from './render.js';
import { nameRecord, own as ownValue } from '../../../util/own.js';

/** Table options that only a rebuild can change, with the words a reviewer reads. */
const rebuildOptions: readonly (readonly [key: string, words: string])[] = [
  ['withoutRowid', 'WITHOUT ROWID'],
  ['strict', 'STRICT'],
  ['autoincrement', 'AUTOINCREMENT'],
];

/** The table a change belongs to, by its new name; undefined for changes outside tables. */
function tableOf(change: Change): string | undefined {
  switch (change.kind) {
    case 'createTable':
    case 'dropTable':
      return change.table.name;
    case 'renameTable':
    case 'rebuildTable':
      return undefined;
    case 'replaceTable':
      return change.to.name;
    case 'setObjectComment':
      return change.object.kind === 'sequence' ? undefined : change.object.table;
    case 'createEnum':
    case 'dropEnum':
    case 'addEnumValues':
    case 'recreateEnum':
    case 'setEnumComment':
    case 'createSequence':
    case 'dropSequence':
    case 'alterSequence':
      throw new Error(`SQLite has no ${change.kind.includes('Enum') ? 'enum types' : 'sequences'}; got a ${change.kind} change (the SQLite normalizer should have refused the schema)`);
    case 'createObject':
    case 'dropObject':
    case 'replaceObject':
    case 'alterObject':
    case 'replaceType':
    case 'dropReplacedType':
    case 'setRowSecurity':
    case 'setGrants':
      throw new Error(`SQLite's model has no ${change.kind} changes (its inspector reads no such objects)`);
    default:
      return change.table;
  }
}

function show(value: string | boolean | undefined): string {
  return value === undefined ? 'none' : value === '' ? "''" : String(value);
}

function alterReasons(change: Extract<Change, { kind: 'alterColumn' }>): string[] {
  const { from, to } = change;
  const column = to.name;
  return change.changed.flatMap((property): string[] => {
    switch (property) {
      case 'type':
        return [`type of ${column}: ${show(from.type || 'none')} -> ${show(to.type || 'none')}`];
      case 'nullable':
        return [to.nullable ? `${column} nullable` : `${column} NOT NULL`];
      case 'default':
        return [`default of ${column}: ${show(from.default)} -> ${show(to.default)}`];
      case 'generated':
        return [to.generated === undefined ? `${column} no longer generated` : `generated ${column}: ${to.generated}`];
      case 'collation':
        return [`collation of ${column}: ${show(from.collation)} -> ${show(to.collation)}`];
      case 'identity':
        return [`identity of ${column}`];
      case 'comment':
        return [];
      // PostgreSQL-only column settings: SQLite's inspector never reads them.
      case 'statistics':
      case 'storage':
      case 'compression':
      case 'options':
      case 'identityOptions':
      case 'identitySequenceName':
        return [];
      // MySQL-only column settings: SQLite's inspector never reads them either.
      case 'charset':
      case 'autoIncrement':
      case 'onUpdate':
      case 'invisible':
        return [];
    }
  });
}

/**
 * What ADD COLUMN accepts (lang_altertable.html, "ALTER TABLE ADD COLUMN"): no PRIMARY KEY or
 * UNIQUE, no STORED generation, a NOT NULL column needs a non-NULL default, and the default must
 * be a constant (CURRENT_TIMESTAMP and parenthesized expressions are refused). A foreign key or a
 * check on the column is its own change, and those rebuild anyway.
 */
function canAddColumn(column: ColumnModel, table: TableModel): boolean {
  if (table.primaryKey?.columns.includes(column.name)) return false;
  if (table.uniques.some((u) => u.columns.includes(column.name))) return false;
  if (table.foreignKeys.some((fk) => fk.columns.includes(column.name))) return false;
  if (column.generated !== undefined) return column.virtual === true && column.nullable;
  if (column.default !== undefined && !isConstantLiteral(column.default)) return false;
  return column.nullable || !isNullDefault(column.default);
}

/**
 * DROP COLUMN refuses a column that a key, unique, foreign key, check, generated column or
 * remaining index uses (lang_altertable.html, "ALTER TABLE DROP COLUMN"). The diff drops indexes
 * first, so indexes it drops do not count.
 */
function columnInUse(column: string, table: TableModel, droppedIndexes: ReadonlySet<string>): string | undefined {
  if (table.primaryKey?.columns.includes(column)) return 'primary key';
  const unique = table.uniques.find((u) => u.columns.includes(column));
  if (unique) return `unique ${unique.name}`;
  const fk = table.foreignKeys.find((f) => f.columns.includes(column));
  if (fk) return `foreign key ${fk.name}`;
  const check = table.checks.find((c) => mentionsIdentifier(c.expression, column));
  if (check) return `check ${check.name}`;
  const generated = table.columns.find((c) => c.name !== column && c.generated !== undefined && mentionsIdentifier(c.generated, column));
  if (generated) return `generated column ${generated.name}`;
  const index = table.indexes.find(
    (i) =>
      !droppedIndexes.has(i.name) &&
      (i.keys.some((k) => k.column === column || (k.expression !== undefined && mentionsIdentifier(k.expression, column))) ||
        (i.where !== undefined && mentionsIdentifier(i.where, column))),
  );
  if (index) return `index ${index.name}`;
  return undefined;
}

function optionOn(table: TableModel, key: string): boolean {
  return table.options?.[key] === true;
}

/**
 * Why the table needs a rebuild, as short words: empty when ALTER TABLE and CREATE/DROP INDEX can
 * make every change of the table.
 */
function rebuildTriggers(own: readonly Change[], from: TableModel, to: TableModel): string[] {
  const reasons: string[] = [];
  const droppedIndexes = new Set(own.flatMap((c) => (c.kind === 'dropIndex' ? [c.index.name] : c.kind === 'renameIndex' ? [c.from] : [])));
  for (const change of own) {
    switch (change.kind) {
      case 'alterColumn':
        reasons.push(...alterReasons(change));
        break;
      case 'addColumn':
        if (!canAddColumn(change.column, to)) reasons.push(`add column ${change.column.name}${change.column.nullable ? '' : ' NOT NULL'}`);
        break;
      case 'dropColumn': {
        // The column's old name: `from` holds the table as it is before any change.
        const user = columnInUse(change.column.name, from, droppedIndexes);
        if (user) reasons.push(`drop column ${change.column.name} (used by ${user})`);
        break;
      }
      case 'addPrimaryKey':
        reasons.push(`add primary key (${change.primaryKey.columns.join(', ')})`);
        break;
      case 'dropPrimaryKey':
        reasons.push(`drop primary key (${change.primaryKey.columns.join(', ')})`);
        break;
      case 'addUnique':
        reasons.push(`add unique ${change.unique.name}`);
        break;
      case 'dropUnique':
        reasons.push(`drop unique ${change.unique.name}`);
        break;
      case 'addCheck':
        reasons.push(`add check ${change.check.name}`);
        break;
      case 'dropCheck':
        reasons.push(`drop check ${change.check.name}`);
        break;
      case 'addForeignKey':
        reasons.push(`add foreign key ${change.foreignKey.name} -> ${change.foreignKey.refTable}`);
        break;
      case 'dropForeignKey':
        reasons.push(`drop foreign key ${change.foreignKey.name}`);
        break;
      case 'renameConstraint':
        reasons.push(`rename constraint ${change.from} to ${change.to}`);
        break;
      default:
        break;
    }
  }
  for (const [key, label] of rebuildOptions) {
    if (optionOn(from, key) !== optionOn(to, key)) reasons.push(optionOn(to, key) ? label : `no ${label}`);
  }
  return reasons;
}

/** The other changes a rebuild makes along the way, so the summary names everything it does. */
function alongReasons(own: readonly Change[]): string[] {
  return own.flatMap((change): string[] => {
    switch (change.kind) {
      case 'addColumn':
        return [`add column ${change.column.name}`];
      case 'dropColumn':
        return [`drop column ${change.column.name}`];
      case 'addIndex':
        return [`add index ${change.index.name}`];
      case 'dropIndex':
        return [`drop index ${change.index.name}`];
      case 'renameIndex':
        return [`rename index ${change.from} to ${change.to}`];
      default:
        return [];
    }
  });
}

/** The table and column renames the diff makes to one table before its rebuild. */
export interface TableRenames {
  readonly table?: { readonly from: string; readonly to: string };
  /** old column name -> new column name */
  readonly columns: ReadonlyMap<string, string>;
}

/**
 * SQLite rewrites every reference in a trigger when its table or a column is renamed (3.25+).
 * The renames run as ALTER TABLE before the rebuild, which then drops the trigger with the table
 * and creates it again from the definition inspected before the renames; so the definition has
 * to be the one SQLite's rename would have written. The exact way to get it is to let SQLite do
 * it: replay the renames on an in-memory copy of the schema (no tenant is touched, and the result
 * is deterministic). Where that copy cannot be built (a trigger naming a view or a virtual table,
 * which the model does not hold), a token rewrite takes its place.
 */
function renamedTriggerDefinitions(current: SchemaModel, triggers: readonly UnmanagedObject[], renames: TableRenames): string[] {
  return replayRenames(current, triggers, renames) ?? triggers.map((t) => rewriteTrigger(t.definition as string, renames));
}

const replayOptions = { qualifier: '"main"', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] } as const;

function replayRenames(current: SchemaModel, triggers: readonly UnmanagedObject[], renames: TableRenames): string[] | undefined {
  const db = new Database(':memory:');
  try {
    db.pragma('foreign_keys = OFF');
    for (const table of current.tables) db.exec(createTableStatement(table, replayOptions));
    const names: string[] = [];
    for (const trigger of triggers) {
      const before = new Set((db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as { name: string }[]).map((r) => r.name));
      db.exec(trigger.definition as string);
      const added = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger'").all() as { name: string }[]).find((r) => !before.has(r.name));
      if (!added) return undefined;
      names.push(added.name);
    }
    let table = renames.table?.from;
    if (renames.table) {
      db.exec(`ALTER TABLE ${quoteIdent(renames.table.from)} RENAME TO ${quoteIdent(renames.table.to)}`);
      table = renames.table.to;
    }
    for (const [from, to] of renames.columns) {
      db.exec(`ALTER TABLE ${quoteIdent(table as string)} RENAME COLUMN ${quoteIdent(from)} TO ${quoteIdent(to)}`);
    }
    const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?");
    return names.map((name) => (sql.get(name) as { sql: string }).sql);
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/**
 * The fallback rewrite: identifiers naming the old table (except the trigger's own name and a
 * column after another qualifier), and renamed columns where they are unambiguous: after
 * `new.`, `old.` or the table's name, and in `UPDATE OF`. A bare column name in the body may
 * belong to another table and is left as it is.
 */
export function rewriteTrigger(definition: string, renames: TableRenames): string {
  const tokens = sqlTokens(definition);
  const replaced = new Map<number, string>();
  const quote = (name: string) => '"' + name.replaceAll('"', '""') + '"';
  const tableNames = [renames.table?.from, renames.table?.to].filter((n): n is string => n !== undefined);
  const renamedColumn = (name: string) => [...renames.columns].find(([from]) => sameName(from, name))?.[1];
  // CREATE [TEMP] TRIGGER [IF NOT EXISTS] [schema.]name
  let nameAt = tokens.findIndex((t) => t.kind === 'word' && /^trigger$/i.test(t.text)) + 1;
  if (/^if$/i.test(tokens[nameAt]?.text ?? '')) nameAt += 3;
  if (tokens[nameAt + 1]?.text === '.') nameAt += 2;
  const beginAt = tokens.findIndex((t) => t.kind === 'word' && /^begin$/i.test(t.text));
  let inUpdateOf = false;
  tokens.forEach((t, i) => {
    if (i === nameAt) return;
    const value = identifierName(t);
    const previous = tokens[i - 1];
    if (i < beginAt && /^of$/i.test(t.text) && /^update$/i.test(previous?.text ?? '')) {
      inUpdateOf = true;
      return;
    }
    if (inUpdateOf && t.kind === 'word' && /^on$/i.test(t.text)) inUpdateOf = false;
    if (value === undefined) return;
    const qualifier = previous?.text === '.' ? tokens[i - 2] : undefined;
    const qualifierName = qualifier ? identifierName(qualifier) : undefined;
    if (renames.table && sameName(value, renames.table.from) && (qualifier === undefined || /^(?:main|temp)$/i.test(qualifierName ?? ''))) {
      replaced.set(i, quote(renames.table.to));
      return;
    }
    const column = renamedColumn(value);
    if (column === undefined) return;
    const qualified = qualifierName !== undefined && (/^(?:new|old)$/i.test(qualifierName) || tableNames.some((n) => sameName(n, qualifierName)));
    if (qualified || inUpdateOf) replaced.set(i, quote(column));
  });
  // Everything else, white space and comments included, stays as written.
  let result = '';
  let at = 0;
  for (const [i, text] of replaced) {
    result += definition.slice(at, tokens[i]!.start) + text;
    at = tokens[i]!.end;
  }
  return result + definition.slice(at);
}

/** A rebuild keeps what the model does not manage but DROP TABLE would take with it. */
function keptObjects(current: SchemaModel, table: string, renames: TableRenames): UnmanagedObject[] {
  const kept = (current.unmanaged ?? []).filter(
    (o) => (o.kind === 'trigger' || o.kind === 'index') && o.table !== undefined && sameName(o.table, table) && (o.definition ?? '').trim() !== '',
  );
  if (kept.length === 0 || (renames.table === undefined && renames.columns.size === 0)) return kept;
  const definitions = renamedTriggerDefinitions(current, kept, renames);
  return kept.map((o, i) => ({ ...o, ...(renames.table ? { table: renames.table.to } : {}), definition: definitions[i] as string }));
}

/** The table as it is when its rebuild runs: renamed, with its renamed columns. */
function afterRenames(live: TableModel, name: string, columns: ReadonlyMap<string, string>): TableModel {
  if (columns.size === 0) return { ...live, name };
  const r = (column: string) => columns.get(column) ?? column;
  return {
    ...live,
    name,
    columns: live.columns.map((c) => ({ ...c, name: r(c.name) })),
    ...(live.primaryKey ? { primaryKey: { ...live.primaryKey, columns: live.primaryKey.columns.map(r) } } : {}),
    uniques: live.uniques.map((u) => ({ ...u, columns: u.columns.map(r) })),
    indexes: live.indexes.map((i) => ({ ...i, keys: i.keys.map((k) => (k.column !== undefined ? { ...k, column: r(k.column) } : k)) })),
    foreignKeys: live.foreignKeys.map((f) => ({ ...f, columns: f.columns.map(r), ...(sameName(f.refTable, live.name) || sameName(f.refTable, name) ? { refColumns: f.refColumns.map(r) } : {}) })),
  };
}

/**
 * Rewrites the diff's changes for SQLite: each table that needs a rebuild gets exactly one
 * `rebuildTable` in place of its own changes (renameTable, renameColumn, createTable and
 * dropTable stay, and run first);
 * renameIndex becomes drop + create, since SQLite cannot rename an index.
 */
export function refineChanges(changes: readonly Change[], current: SchemaModel, desired: SchemaModel): Change[] {
  const oldNames = new Map<string, string>();
  const created = new Set<string>();
  const byTable = new Map<string, Change[]>();
  for (const change of changes) {
    if (change.kind === 'renameTable') oldNames.set(change.to, change.from);
    if (change.kind === 'createTable') created.add(change.table.name);
    const table = tableOf(change);
    if (table === undefined || change.kind === 'createTable' || change.kind === 'dropTable') continue;
    const own = byTable.get(table) ?? [];
    own.push(change);
    byTable.set(table, own);
  }
  const liveTables = new Map(current.tables.map((t) => [t.name, t]));

  const rebuilds = new Map<string, Change>();
  for (const to of desired.tables) {
    if (created.has(to.name)) continue;
    const oldName = oldNames.get(to.name) ?? to.name;
    const live = liveTables.get(oldName);
    if (!live) continue;
    const own = byTable.get(to.name) ?? [];
    // Column renames stay ALTER TABLE RENAME COLUMN, run before the rebuild: SQLite then rewrites
    // every view, trigger and foreign key that names the column, which no copy map could do.
    const columnRenames = new Map(own.flatMap((c) => (c.kind === 'renameColumn' ? [[c.from, c.to] as const] : [])));
    const from = afterRenames(live, to.name, columnRenames);
    const reasons = rebuildTriggers(own, from, to);
    if (reasons.length === 0) continue;

    const droppedColumns = new Set(own.flatMap((c) => (c.kind === 'dropColumn' ? [c.column.name] : [])));
    const droppedIndexes = new Set(own.flatMap((c) => (c.kind === 'dropIndex' ? [c.index.name] : c.kind === 'renameIndex' ? [c.from] : [])));
    const liveColumns = new Set(from.columns.map((c) => c.name));
    const copy = nameRecord<string>();
    for (const column of to.columns) if (liveColumns.has(column.name)) copy[column.name] = column.name;
    // A current column or index neither in the desired table nor dropped by the diff was taken
    // out of management by an override: the rebuild carries it over unchanged, as expectedSchema
    // (what apply verifies) does.
    const excludedColumns = from.columns.filter((c) => ownValue(copy, c.name) === undefined && !droppedColumns.has(c.name));
    for (const column of excludedColumns) copy[column.name] = column.name;
    const excludedIndexes: IndexModel[] = from.indexes.filter((i) => !droppedIndexes.has(i.name) && !to.indexes.some((d) => d.name === i.name));
    const shape: TableModel =
      excludedColumns.length > 0 || excludedIndexes.length > 0
        ? { ...to, columns: [...to.columns, ...excludedColumns], indexes: [...to.indexes, ...excludedIndexes] }
        : to;

    rebuilds.set(to.name, {
      kind: 'rebuildTable',
      from,
      to: shape,
      copy,
      reasons: [...reasons, ...alongReasons(own)],
      keep: keptObjects(current, oldName, { ...(oldName !== to.name ? { table: { from: oldName, to: to.name } } : {}), columns: columnRenames }),
    });
  }

  const out: Change[] = [];
  for (const change of changes) {
    const table = tableOf(change);
    const folds = table !== undefined && change.kind !== 'createTable' && change.kind !== 'dropTable' && change.kind !== 'renameColumn';
    const rebuild = folds ? rebuilds.get(table) : undefined;
    if (rebuild) {
      // The rebuild takes the place of the first change it folds.
      if (!out.includes(rebuild)) out.push(rebuild);
      continue;
    }
    if (change.kind === 'renameIndex') {
      out.push(...renameIndexAsDropAndCreate(change, current, desired, oldNames));
      continue;
    }
    out.push(change);
  }
  // A table whose only difference is an option has no change of its own to stand in for.
  for (const rebuild of rebuilds.values()) if (!out.includes(rebuild)) out.push(rebuild);
  return out;
}

function renameIndexAsDropAndCreate(
  change: Extract<Change, { kind: 'renameIndex' }>,
  current: SchemaModel,
  desired: SchemaModel,
  oldNames: ReadonlyMap<string, string>,
): Change[] {
  const liveTable = current.tables.find((t) => t.name === (oldNames.get(change.table) ?? change.table));
  const index = liveTable?.indexes.find((i) => i.name === change.from);
  const target = desired.tables.find((t) => t.name === change.table)?.indexes.find((i) => i.name === change.to);
  if (!index || !target) throw new Error(`rename index ${change.from} to ${change.to} on ${change.table}: index not found in the schemas`);
  return [
    { kind: 'dropIndex', table: change.table, index },
    { kind: 'addIndex', table: change.table, index: target, newTable: false },
  ];
}
