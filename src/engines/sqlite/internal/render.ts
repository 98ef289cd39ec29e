// Renders engine-neutral changes to SQLite DDL. One tenant is one file, so the qualifier is always
// the quoted schema name `"main"` (or the plan's placeholder for it). It goes wherever SQLite
// accepts a schema prefix; a hostile name never leaves its quotes (DESIGN.md invariant 4).
// What SQLite's ALTER TABLE cannot do arrives here already folded into `rebuildTable` changes by
// `refineChanges` (rebuild.ts); the kinds it folds are refused if they reach the renderer.
import type { Change } from '../../../diff/changes.js';
import type { CheckModel, ColumnModel, ForeignKeyModel, IndexKey, IndexModel, TableModel, UniqueModel } from '../../../model/types.js';
import type { Hazard } from '../../../plan/hazards.js';
import type { PlanStep, RenderChanges, RenderOptions } from '../../../plan/step.js';
import { quoteIdent, quoteLiteral } from './connect.js';
import { isBuiltinType } from './normalize.js';
import { addIndexHazards, dropColumnHazards, dropTableHazards, isBareDefault, isParenthesized, rebuildHazards, rowidAlias, uniqueHazards } from './hazards.js';
import { own } from '../../../util/own.js';
import { fkActions } from '../../shared/fk-actions.js';

/** Prefix of the table a rebuild fills before it takes the original's name. */
export const rebuildTablePrefix = '_schema_sync_new_';

// ---------------------------------------------------------------------------------------------
// Names, types and expressions

function qualified(name: string, options: RenderOptions): string {
  return `${options.qualifier}.${quoteIdent(name)}`;
}

function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/** A bare word stays bare (so the catalog reads it back as written); anything else is quoted. */
function name(value: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(value) ? value : quoteIdent(value);
}

/**
 * A declared type is names with an optional (n) or (n, m): `INTEGER`, `VARCHAR(255)`,
 * `UNSIGNED BIG INT`. Anything else could end the column definition early, so it is refused
 * rather than written; the normalizer's grammar of declared types decides.
 */
function renderType(type: string): string {
  const t = type.trim();
  if (t === '') return '';
  if (!isBuiltinType(t)) throw new Error(`not a SQLite type name: ${JSON.stringify(type)}`);
  return t;
}

/** SQLite takes literals and CURRENT_* bare after DEFAULT; any other expression needs parentheses. */
export function renderDefault(expr: string): string {
  const e = expr.trim();
  return isBareDefault(e) || isParenthesized(e) ? e : `(${e})`;
}


/** Plain words for a summary line: names unquoted, control characters made visible. */
function words(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function constraintName(constraint: { readonly name: string }): string {
  return constraint.name === '' ? '' : `CONSTRAINT ${quoteIdent(constraint.name)} `;
}

// ---------------------------------------------------------------------------------------------
// Definitions

/**
 * AUTOINCREMENT exists only as a column constraint of the single INTEGER PRIMARY KEY; a table
 * asking for it otherwise cannot be created, so it is refused with the reason.
 */
function autoincrementColumn(table: TableModel): string | undefined {
  if (table.options?.['autoincrement'] !== true) return undefined;
  const alias = rowidAlias(table);
  if (!alias) throw new Error(`table ${table.name}: AUTOINCREMENT needs a single-column INTEGER primary key in a rowid table`);
  return alias.name;
}

/** `primaryKey` is the column-level key clause, for the AUTOINCREMENT column only. */
function columnDefinition(column: ColumnModel, primaryKey?: string): string {
  const type = renderType(column.type);
  let sql = quoteIdent(column.name) + (type ? ` ${type}` : '');
  if (primaryKey !== undefined) sql += ` ${primaryKey}`;
  if (!column.nullable) sql += ' NOT NULL';
  if (column.default !== undefined) sql += ` DEFAULT ${renderDefault(column.default)}`;
  if (column.collation !== undefined) sql += ` COLLATE ${name(column.collation)}`;
  if (column.generated !== undefined) sql += ` GENERATED ALWAYS AS (${column.generated}) ${column.virtual ? 'VIRTUAL' : 'STORED'}`;
  return sql;
}

function uniqueDefinition(u: UniqueModel): string {
  return `${constraintName(u)}UNIQUE (${columnList(u.columns)})`;
}

function checkDefinition(check: CheckModel): string {
  return `${constraintName(check)}CHECK (${check.expression})`;
}

/** Foreign keys live inside CREATE TABLE; the parent is named bare, as it must be in the same file. */
function foreignKeyDefinition(fk: ForeignKeyModel): string {
  const parentColumns = fk.refColumns.length > 0 ? ` (${columnList(fk.refColumns)})` : '';
  let sql =
    `${constraintName(fk)}FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${quoteIdent(fk.refTable)}${parentColumns} ` +
    `ON DELETE ${fkActions[fk.onDelete]} ON UPDATE ${fkActions[fk.onUpdate]}`;
  // SQLite reads a bare DEFERRABLE as INITIALLY IMMEDIATE; spelling it out keeps the intent visible.
  if (fk.deferrable) sql += fk.initiallyDeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE INITIALLY IMMEDIATE';
  return sql;
}

/** CREATE TABLE in the table's full shape; `as` names the created table (a rebuild's temporary). */
export function createTableStatement(table: TableModel, options: RenderOptions, as: string = table.name): string {
  const autoincrement = autoincrementColumn(table);
  const elements = [
    ...table.columns.map((c) =>
      columnDefinition(c, c.name === autoincrement && table.primaryKey ? `${constraintName(table.primaryKey)}PRIMARY KEY AUTOINCREMENT` : undefined),
    ),
    ...(table.primaryKey && autoincrement === undefined ? [`${constraintName(table.primaryKey)}PRIMARY KEY (${columnList(table.primaryKey.columns)})`] : []),
    ...table.uniques.map(uniqueDefinition),
    ...table.checks.map(checkDefinition),
    ...table.foreignKeys.map(foreignKeyDefinition),
  ];
  const tableOptions = [
    ...(table.options?.['withoutRowid'] === true ? ['WITHOUT ROWID'] : []),
    ...(table.options?.['strict'] === true ? ['STRICT'] : []),
  ];
  return `CREATE TABLE ${qualified(as, options)} (\n  ${elements.join(',\n  ')}\n)${tableOptions.length > 0 ? ' ' + tableOptions.join(', ') : ''}`;
}

function indexKey(key: IndexKey): string {
  let sql: string;
  if (key.column !== undefined) sql = quoteIdent(key.column);
  else if (key.expression !== undefined) sql = `(${key.expression})`;
  else throw new Error('an index key needs a column or an expression');
  if (key.collation !== undefined) sql += ` COLLATE ${name(key.collation)}`;
  if (key.descending) sql += ' DESC';
  return sql;
}

/** SQLite puts the schema prefix on the index name; the table is named bare, in that schema. */
export function createIndexStatement(table: string, index: IndexModel, options: RenderOptions): string {
  let sql = `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${qualified(index.name, options)} ON ${quoteIdent(table)} (${index.keys.map(indexKey).join(', ')})`;
  if (index.where !== undefined) sql += ` WHERE ${index.where}`;
  return sql;
}

// ---------------------------------------------------------------------------------------------
// Steps

function step(summary: string, sql: string[], hazards: readonly Hazard[] = []): PlanStep {
  // Every SQLite step runs in the tenant's one BEGIN IMMEDIATE transaction, which holds the database's write lock.
  return { summary, sql, hazards: uniqueHazards(hazards), runs: 'main-transaction', lock: 'DATABASE WRITE', transactional: true };
}

/**
 * The documented rebuild (https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of
 * Table Schema Changes"): create the new shape under a temporary name, copy the rows, drop the
 * old table, rename the new one into its place, recreate indexes and triggers, and check foreign
 * keys. The session runs it with foreign_keys OFF inside one transaction, as the procedure asks.
 */
function rebuildTable(change: Extract<Change, { kind: 'rebuildTable' }>, options: RenderOptions): PlanStep {
  const { from, to, copy } = change;
  const temporary = rebuildTablePrefix + to.name;
  const tmp = qualified(temporary, options);
  const sql = [createTableStatement(to, options, temporary)];

  const targets = to.columns.filter((c) => c.generated === undefined && own(copy, c.name) !== undefined).map((c) => c.name);
  const sources = targets.map((c) => own(copy, c)!);
  // Without an INTEGER PRIMARY KEY the rowid is implicit; copying it keeps rows addressable by the
  // rowids applications (and external-content FTS tables) may hold. A column named like the rowid
  // would shadow it, so then it is left alone.
  const rowidNames = /^(?:rowid|oid|_rowid_)$/i;
  const keepRowid =
    from.options?.['withoutRowid'] !== true &&
    to.options?.['withoutRowid'] !== true &&
    rowidAlias(to) === undefined &&
    ![...from.columns, ...to.columns].some((c) => rowidNames.test(c.name));
  if (keepRowid) {
    targets.unshift('rowid');
    sources.unshift('rowid');
  }
  if (targets.length > 0) {
    const list = (names: string[]) => names.map((n) => (n === 'rowid' ? 'rowid' : quoteIdent(n))).join(', ');
    sql.push(`INSERT INTO ${tmp} (${list(targets)}) SELECT ${list(sources)} FROM ${qualified(from.name, options)}`);
  }
  if (from.options?.['autoincrement'] === true && to.options?.['autoincrement'] === true) {
    // DROP TABLE forgets the old counter; carry it over so AUTOINCREMENT never reuses an id.
    const seq = qualified('sqlite_sequence', options);
    const oldName = quoteLiteral(from.name);
    const newName = quoteLiteral(temporary);
    sql.push(
      `UPDATE ${seq} SET "seq" = max("seq", coalesce((SELECT "seq" FROM ${seq} WHERE "name" = ${oldName}), 0)) WHERE "name" = ${newName}`,
      `INSERT INTO ${seq} ("name", "seq") SELECT ${newName}, "seq" FROM ${seq} WHERE "name" = ${oldName} AND NOT EXISTS (SELECT 1 FROM ${seq} WHERE "name" = ${newName})`,
    );
  }
  sql.push(`DROP TABLE ${qualified(from.name, options)}`);
  // Since 3.26 a rename re-checks every view and trigger in the schema, and a view on the table
  // just dropped would fail it. The legacy rename only renames, which is all this one must do:
  // nothing refers to the temporary name.
  sql.push('PRAGMA legacy_alter_table = ON');
  sql.push(`ALTER TABLE ${tmp} RENAME TO ${quoteIdent(to.name)}`);
  sql.push('PRAGMA legacy_alter_table = OFF');
  for (const index of to.indexes) sql.push(createIndexStatement(to.name, index, options));
  for (const object of change.keep) {
    if (object.definition !== undefined && object.definition.trim() !== '') sql.push(object.definition);
  }
  sql.push(`PRAGMA ${options.qualifier}.foreign_key_check(${quoteIdent(to.name)})`);
  const reasons = change.reasons.length > 0 ? ` (${change.reasons.map(words).join('; ')})` : '';
  return step(`rebuild table ${words(to.name)}${reasons}`, sql, rebuildHazards(from, to, copy));
}

function needsRebuild(change: Change, what: string): never {
  const table = 'table' in change && typeof change.table === 'string' ? ` on table ${change.table}` : '';
  throw new Error(`SQLite cannot ${what}${table} with ALTER TABLE; refineChanges must fold it into a table rebuild`);
}

function renderChange(change: Change, options: RenderOptions): PlanStep[] {
  const q = (n: string): string => qualified(n, options);
  switch (change.kind) {
    case 'createEnum':
    case 'dropEnum':
    case 'addEnumValues':
    case 'recreateEnum':
    case 'setEnumComment':
      throw new Error(`SQLite has no enum types (change ${change.kind})`);
    case 'createSequence':
    case 'dropSequence':
    case 'alterSequence':
      throw new Error(`SQLite has no sequences (change ${change.kind})`);

    case 'createTable':
      return [step(`create table ${words(change.table.name)}`, [createTableStatement(change.table, options)])];
    case 'dropTable':
      return [step(`drop table ${words(change.table.name)}`, [`DROP TABLE ${q(change.table.name)}`], dropTableHazards(change.table.name))];
    case 'rebuildTable':
      return [rebuildTable(change, options)];
    case 'renameTable':
      return [step(`rename table ${words(change.from)} to ${words(change.to)}`, [`ALTER TABLE ${q(change.from)} RENAME TO ${quoteIdent(change.to)}`])];
    case 'setTableComment':
    case 'setObjectComment':
      // SQLite has no comments.
      return [];
    case 'replaceTable':
    case 'alterTable':
    case 'alterIndex':
    case 'addExclusion':
    case 'dropExclusion':
    case 'attachPartition':
    case 'detachPartition':
    case 'inherit':
    case 'noInherit':
      throw new Error(`SQLite has no partitions, table inheritance, storage parameters or exclusion constraints (change ${change.kind})`);

    case 'addColumn':
      return [
        step(`add column ${words(change.table)}.${words(change.column.name)} (${words(change.column.type || 'no type')})`, [
          `ALTER TABLE ${q(change.table)} ADD COLUMN ${columnDefinition(change.column)}`,
        ]),
      ];
    case 'dropColumn':
      return [
        step(
          `drop column ${words(change.table)}.${words(change.column.name)}`,
          [`ALTER TABLE ${q(change.table)} DROP COLUMN ${quoteIdent(change.column.name)}`],
          dropColumnHazards(change.table, change.column.name),
        ),
      ];
    case 'renameColumn':
      return [
        step(`rename column ${words(change.table)}.${words(change.from)} to ${words(change.to)}`, [
          `ALTER TABLE ${q(change.table)} RENAME COLUMN ${quoteIdent(change.from)} TO ${quoteIdent(change.to)}`,
        ]),
      ];
    case 'alterColumn':
      // Comments do not exist in SQLite; every other property needs a rebuild.
      if (change.changed.every((p) => p === 'comment')) return [];
      return needsRebuild(change, `alter column ${change.to.name} (${change.changed.join(', ')})`);

    case 'addIndex': {
      const summary = `create index ${words(change.index.name)} on ${words(change.table)}`;
      const sql = [createIndexStatement(change.table, change.index, options)];
      return [change.newTable ? step(summary, sql) : step(summary, sql, addIndexHazards(change.table, change.index.name, change.index.unique))];
    }
    case 'dropIndex':
      return [step(`drop index ${words(change.index.name)}`, [`DROP INDEX ${q(change.index.name)}`])];
    case 'renameIndex':
      // No ALTER INDEX RENAME: refineChanges turns this into dropIndex + addIndex with the definition.
      throw new Error(`SQLite cannot rename index ${change.from}; refineChanges must turn it into drop and create`);

    case 'addForeignKey':
      // A new table's foreign keys are part of its CREATE TABLE.
      if (change.newTable) return [];
      return needsRebuild(change, `add foreign key ${change.foreignKey.name}`);
    case 'addCheck':
      if (change.newTable) return [];
      return needsRebuild(change, `add check ${change.check.name}`);
    case 'dropForeignKey':
      return needsRebuild(change, `drop foreign key ${change.foreignKey.name}`);
    case 'dropCheck':
      return needsRebuild(change, `drop check ${change.check.name}`);
    case 'addPrimaryKey':
      return needsRebuild(change, 'add a primary key');
    case 'dropPrimaryKey':
      return needsRebuild(change, 'drop a primary key');
    case 'addUnique':
      return needsRebuild(change, `add unique ${change.unique.name}`);
    case 'dropUnique':
      return needsRebuild(change, `drop unique ${change.unique.name}`);
    case 'validateConstraint':
      // SQLite has no NOT VALID constraints, so its inspector never yields one to validate.
      throw new Error(`SQLite has no NOT VALID constraints to validate (${change.constraint} ${change.table}.${change.name})`);
    case 'renameConstraint':
      return needsRebuild(change, `rename constraint ${change.from}`);
    case 'createObject':
    case 'dropObject':
    case 'replaceObject':
    case 'alterObject':
    case 'replaceType':
    case 'dropReplacedType':
    case 'setRowSecurity':
    case 'setGrants':
      // Its inspector reads triggers and views as unmanaged objects, and SQLite has no roles, so no diff yields these.
      throw new Error(`SQLite's model has no ${change.kind} changes`);

    default: {
      const unhandled: never = change;
      throw new Error(`unhandled change ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Changes arrive in execution order (the planner orders them); steps keep that order. */
export const renderChanges: RenderChanges = (changes, options) => changes.flatMap((change) => renderChange(change, options));
