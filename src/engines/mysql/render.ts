// Renders engine-neutral changes to MySQL/MariaDB DDL. Every name goes through quoteIdent
// (backquotes, inner ones doubled), and every table is qualified with the tenant's database (the
// plan's placeholder for it), so a statement never depends on the session's current database and
// a hostile name never leaves its quotes (DESIGN.md invariant 4). Consecutive changes of one table
// that are clauses of ALTER TABLE become one statement, which the server runs as one operation
// (one rebuild at most); the statement carries the ALGORITHM/LOCK the flavor promises for all its
// clauses (hazards.ts), so the server refuses it rather than copy the table unannounced.
//
// MySQL's DDL is not transactional: each statement commits by itself, so every step runs outside
// a transaction, one statement at a time.
import type { Change } from '../../diff/changes.js';
import type { CheckModel, ColumnModel, ForeignKeyModel, IndexKey, IndexModel, PrimaryKeyModel, TableModel } from '../../model/types.js';
import type { Hazard } from '../../plan/hazards.js';
import type { PlanStep, RenderChanges, RenderOptions, StepLock } from '../../plan/step.js';
import { quoteIdent, quoteLiteral } from './connect.js';
import type { Flavor } from './flavor.js';
import {
  combinedOnline,
  hazard,
  mysqlLocks,
  onlineClauses,
  onlineDdl,
  onlineHazards,
  uniqueHazards,
  type AlterOperation,
  type Online,
} from './hazards.js';
import { sqlTextProblem } from './sql-text.js';
import { fkActions } from '../shared/fk-actions.js';

// ---------------------------------------------------------------------------------------------
// Names, types and expressions

/** The qualifier is the quoted database (or the plan's placeholder); empty for SQL naming no database. */
function qualified(name: string, options: RenderOptions): string {
  return options.qualifier === '' ? quoteIdent(name) : `${options.qualifier}.${quoteIdent(name)}`;
}

function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdent).join(', ');
}

/** Plain words for a summary line: names unquoted, control characters made visible. */
function words(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A charset, collation or engine name: a bare word, never text that could end the clause. */
function word(value: string, what: string): string {
  if (!/^[A-Za-z0-9_]+$/.test(value)) throw new Error(`not a MySQL ${what} name: ${JSON.stringify(value)}`);
  return value;
}

/** Free SQL text pasted into DDL: refused unless it is exactly one piece of its kind (sql-text.ts). */
function sqlText(text: string, kind: 'expression' | 'type', where: string): string {
  const problem = sqlTextProblem({ kind, text });
  if (problem) throw new Error(`${where}: the ${kind} ${JSON.stringify(text)} ${problem}`);
  return text.trim();
}

/** What may follow DEFAULT bare: a literal, NULL, TRUE/FALSE, CURRENT_TIMESTAMP; anything else is an expression in parentheses. */
const BARE_DEFAULT = /^(?:'(?:[^'\\]|''|\\.)*'|[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+)|[bx]'[0-9a-f]*'|0x[0-9a-f]+|0b[01]+|null|true|false|current_timestamp(?:\(\d*\))?|now\(\d*\)|localtime(?:stamp)?(?:\(\d*\))?)$/i;

export function renderDefault(expression: string, where: string): string {
  const text = sqlText(expression, 'expression', where);
  return BARE_DEFAULT.test(text) ? text : `(${text})`;
}


// ---------------------------------------------------------------------------------------------
// Definitions

export function columnDefinition(column: ColumnModel, table: string, check?: CheckModel): string {
  const where = `${table}.${column.name}`;
  let sql = `${quoteIdent(column.name)} ${sqlText(column.type, 'type', where)}`;
  if (column.charset !== undefined) sql += ` CHARACTER SET ${word(column.charset, 'charset')}`;
  if (column.collation !== undefined) sql += ` COLLATE ${word(column.collation, 'collation')}`;
  if (column.generated !== undefined) sql += ` GENERATED ALWAYS AS (${sqlText(column.generated, 'expression', where)}) ${column.virtual ? 'VIRTUAL' : 'STORED'}`;
  sql += column.nullable ? ' NULL' : ' NOT NULL';
  if (column.default !== undefined && column.generated === undefined) sql += ` DEFAULT ${renderDefault(column.default, where)}`;
  if (column.onUpdate !== undefined) sql += ` ON UPDATE ${sqlText(column.onUpdate, 'expression', where)}`;
  if (column.autoIncrement) sql += ' AUTO_INCREMENT';
  if (column.invisible) sql += ' INVISIBLE';
  if (column.comment !== undefined) sql += ` COMMENT ${quoteLiteral(column.comment)}`;
  // MariaDB's column-level CHECK: named after the column and dropped with it.
  if (check) sql += ` CHECK (${sqlText(check.expression, 'expression', where)})`;
  return sql;
}

function keyPart(key: IndexKey, where: string): string {
  let sql: string;
  if (key.column !== undefined) sql = quoteIdent(key.column) + (key.length !== undefined ? `(${Math.trunc(key.length)})` : '');
  else if (key.expression !== undefined) sql = `(${sqlText(key.expression, 'expression', where)})`;
  else throw new Error(`${where}: an index key needs a column or an expression`);
  if (key.collation !== undefined || key.opclass !== undefined || key.nulls !== undefined) throw new Error(`${where}: MySQL index keys have no collation, operator class or NULLS order`);
  return key.descending ? `${sql} DESC` : sql;
}

function primaryKeyDefinition(pk: PrimaryKeyModel, table: string): string {
  const keys = pk.keys ?? pk.columns.map((column) => ({ column }));
  return `PRIMARY KEY (${keys.map((k) => keyPart(k, `${table} primary key`)).join(', ')})`;
}

/** What the kind of index is called: FULLTEXT and SPATIAL are kinds of their own; HASH and BTREE a USING clause. */
function indexKind(index: IndexModel): { prefix: string; using: string } {
  const method = index.method.toUpperCase();
  if (method === 'FULLTEXT' || method === 'SPATIAL') return { prefix: `${method} `, using: '' };
  if (method === 'HASH' || method === 'RTREE') return { prefix: index.unique ? 'UNIQUE ' : '', using: ` USING ${method}` };
  if (method !== 'BTREE' && method !== '') throw new Error(`index ${index.name}: MySQL has no index method ${JSON.stringify(index.method)}`);
  return { prefix: index.unique ? 'UNIQUE ' : '', using: '' };
}

/** `[UNIQUE|FULLTEXT|SPATIAL] INDEX name (keys) ...`, as CREATE TABLE and ALTER TABLE ADD write it. */
function indexDefinition(index: IndexModel, table: string, flavor: Flavor | undefined): string {
  if (index.where !== undefined) throw new Error(`index ${table}.${index.name}: MySQL has no partial indexes`);
  if (index.include.length > 0) throw new Error(`index ${table}.${index.name}: MySQL has no INCLUDE columns`);
  const { prefix, using } = indexKind(index);
  let sql = `${prefix}INDEX ${quoteIdent(index.name)} (${index.keys.map((k) => keyPart(k, `index ${table}.${index.name}`)).join(', ')})${using}`;
  if (index.comment !== undefined) sql += ` COMMENT ${quoteLiteral(index.comment)}`;
  if (index.invisible) {
    const ignored = flavor?.capabilities.ignoredIndexWord;
    if (!ignored) throw new Error(`index ${table}.${index.name}: ${flavor ? `${flavor.label} cannot ignore an index` : 'an ignored index is written per flavor (IGNORED or INVISIBLE)'}`);
    sql += ` ${ignored}`;
  }
  return sql;
}

/**
 * NO ACTION, the manifest's default, is left unwritten: the key then has the server's default
 * action, which the server prints as it prints a key written without one (MariaDB: RESTRICT), so a
 * manifest that names no action matches a table whose DDL named none. InnoDB treats the two alike.
 */
function foreignKeyDefinition(fk: ForeignKeyModel, table: string, options: RenderOptions): string {
  if (fk.deferrable || fk.match !== undefined) throw new Error(`foreign key ${table}.${fk.name}: MySQL has no deferrable or MATCH FULL foreign keys`);
  const actions = [...(fk.onDelete !== 'no action' ? [`ON DELETE ${fkActions[fk.onDelete]}`] : []), ...(fk.onUpdate !== 'no action' ? [`ON UPDATE ${fkActions[fk.onUpdate]}`] : [])];
  return `CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${columnList(fk.columns)}) REFERENCES ${qualified(fk.refTable, options)} (${columnList(fk.refColumns)})${actions.map((a) => ' ' + a).join('')}`;
}

function checkDefinition(check: CheckModel, table: string): string {
  return `CONSTRAINT ${quoteIdent(check.name)} CHECK (${sqlText(check.expression, 'expression', `${table} check ${check.name}`)})${check.notEnforced ? ' NOT ENFORCED' : ''}`;
}

/**
 * CREATE_OPTIONS as the inspector keeps it (`row_format=DYNAMIC stats_persistent=1`,
 * `` `page_compressed`='on' ``): each `name=value`, checked to be only that.
 */
function createOptionAssignments(text: string | undefined, table: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (text ?? '').split(/\s+/).filter((p) => p !== '')) {
    const m = /^(`?)([A-Za-z_][A-Za-z0-9_]*)\1=('?)([A-Za-z0-9_]*)\3$/.exec(part);
    if (!m) throw new Error(`table ${table}: cannot write the table option ${JSON.stringify(part)}`);
    out.set(m[2]!.toLowerCase(), `${m[1] ? quoteIdent(m[2]!) : m[2]!.toUpperCase()}=${m[3]}${m[4]}${m[3]}`);
  }
  return out;
}

function optionText(table: TableModel, key: string): string | undefined {
  const value = table.options?.[key];
  return typeof value === 'string' ? value : undefined;
}

function tableOptions(table: TableModel): string[] {
  const out: string[] = [];
  const engine = optionText(table, 'engine');
  if (engine !== undefined) out.push(`ENGINE=${word(engine, 'engine')}`);
  const charset = optionText(table, 'charset');
  if (charset !== undefined) out.push(`DEFAULT CHARSET=${word(charset, 'charset')}`);
  const collation = optionText(table, 'collation');
  if (collation !== undefined) out.push(`COLLATE=${word(collation, 'collation')}`);
  out.push(...createOptionAssignments(optionText(table, 'createOptions'), table.name).values());
  if (table.comment !== undefined) out.push(`COMMENT=${quoteLiteral(table.comment)}`);
  return out;
}

/**
 * CREATE TABLE with the table's columns, primary key, indexes and checks; its foreign keys are
 * added once every table exists (addForeignKey), since the server checks the referenced table.
 */
export function createTableStatement(table: TableModel, options: RenderOptions, flavor: Flavor | undefined): string {
  const columnChecks = new Map(table.checks.filter((c) => c.column !== undefined).map((c) => [c.column!, c]));
  const elements = [
    ...table.columns.map((c) => columnDefinition(c, table.name, columnChecks.get(c.name))),
    ...(table.primaryKey ? [primaryKeyDefinition(table.primaryKey, table.name)] : []),
    ...table.indexes.map((i) => indexDefinition(i, table.name, flavor)),
    ...table.checks.filter((c) => c.column === undefined).map((c) => checkDefinition(c, table.name)),
  ];
  const tail = tableOptions(table);
  return `CREATE TABLE ${qualified(table.name, options)} (\n  ${elements.join(',\n  ')}\n)${tail.length > 0 ? ' ' + tail.join(' ') : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Pieces: whole statements, and clauses of one table's ALTER TABLE

interface Clause {
  readonly kind: 'clause';
  readonly table: string;
  readonly sql: string;
  readonly summary: string;
  readonly operation: AlterOperation;
  readonly hazards: readonly Hazard[];
  /** On a table this plan creates: nobody else sees it yet, so how it runs does not matter. */
  readonly newTable?: boolean;
  /** A constraint name it drops or adds: MySQL refuses to drop and add one name in one statement. */
  readonly drops?: string;
  readonly adds?: string;
  /** Runs as a statement of its own: later clauses name the column by its new name. */
  readonly alone?: boolean;
}

type Piece = Clause | { readonly kind: 'step'; readonly step: PlanStep };

function step(summary: string, sql: string[], hazards: readonly Hazard[], lock: StepLock): PlanStep {
  return { summary, sql, hazards: uniqueHazards(hazards), runs: 'no-transaction', lock, transactional: false };
}

function clause(table: string, operation: AlterOperation, sql: string, summary: string, extra: Partial<Omit<Clause, 'kind' | 'table' | 'operation' | 'sql' | 'summary'>> = {}): Clause {
  return { kind: 'clause', table, operation, sql, summary, hazards: [], ...extra };
}

function addColumnOperation(column: ColumnModel): AlterOperation {
  if (column.autoIncrement) return 'addAutoIncrementColumn';
  if (column.generated !== undefined && !column.virtual) return 'addStoredColumn';
  return 'addColumn';
}

function alterColumn(change: Extract<Change, { kind: 'alterColumn' }>): Clause {
  const { table, from, to, changed } = change;
  const name = `${words(table)}.${words(to.name)}`;
  const summary = `alter column ${name} (${changed.join(', ')})`;
  const literalDefault = to.default === undefined || BARE_DEFAULT.test(to.default.trim());
  if (changed.every((p) => p === 'default') && literalDefault && !/^(?:current_timestamp|now|localtime)/i.test(to.default?.trim() ?? '')) {
    const sql = to.default === undefined ? `ALTER COLUMN ${quoteIdent(to.name)} DROP DEFAULT` : `ALTER COLUMN ${quoteIdent(to.name)} SET DEFAULT ${renderDefault(to.default, name)}`;
    return clause(table, 'setDefault', sql, summary);
  }
  const hazards: Hazard[] = [];
  let operation: AlterOperation = 'modifyColumn';
  if (changed.every((p) => p === 'comment' || p === 'invisible')) operation = 'columnMetadata';
  else if (changed.every((p) => p === 'nullable' || p === 'default') && from.nullable && !to.nullable) operation = 'setNotNull';
  if (from.nullable && !to.nullable) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if ${name} holds NULL in any row`));
  if (changed.includes('type')) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if a value of ${name} does not fit ${to.type} (strict mode), or is cut to fit (otherwise)`));
  if (changed.includes('charset')) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if a value of ${name} has no ${to.charset ?? 'default'} encoding`));
  return clause(table, operation, `MODIFY COLUMN ${columnDefinition(to, table)}`, summary, { hazards });
}

/** Table options that differ, each as the clause that sets it. */
function alterTableOptions(change: Extract<Change, { kind: 'alterTable' }>): Clause[] {
  const { table, from, to } = change;
  const clauses: Clause[] = [];
  const engine = optionText(to, 'engine');
  if (engine !== undefined && engine !== optionText(from, 'engine')) {
    clauses.push(clause(table, 'engine', `ENGINE=${word(engine, 'engine')}`, `set engine of ${words(table)} to ${engine}`));
  }
  const charset = optionText(to, 'charset');
  const collation = optionText(to, 'collation');
  if ((charset !== undefined && charset !== optionText(from, 'charset')) || (collation !== undefined && collation !== optionText(from, 'collation'))) {
    const parts = [...(charset !== undefined ? [`DEFAULT CHARSET=${word(charset, 'charset')}`] : []), ...(collation !== undefined ? [`COLLATE=${word(collation, 'collation')}`] : [])];
    clauses.push(clause(table, 'tableCharset', parts.join(' '), `set default charset of ${words(table)} to ${[charset, collation].filter(Boolean).join(' ')}`));
  }
  const before = createOptionAssignments(optionText(from, 'createOptions'), table);
  const after = createOptionAssignments(optionText(to, 'createOptions'), table);
  const assignments = [...after].filter(([key, value]) => before.get(key) !== value).map(([, value]) => value);
  // An option no longer wanted goes back to the server's default.
  for (const key of before.keys()) if (!after.has(key)) assignments.push(`${key.toUpperCase()}=DEFAULT`);
  if (assignments.length > 0) clauses.push(clause(table, 'createOptions', assignments.join(' '), `set options of ${words(table)}: ${assignments.join(' ')}`));
  return clauses;
}

function unsupported(change: Change, why: string): never {
  throw new Error(`the mysql engine cannot render ${change.kind}: ${why}`);
}

function renderChange(change: Change, options: RenderOptions, flavor: Flavor | undefined): Piece[] {
  const q = (n: string): string => qualified(n, options);
  switch (change.kind) {
    case 'createEnum':
    case 'dropEnum':
    case 'addEnumValues':
    case 'recreateEnum':
    case 'setEnumComment':
      return unsupported(change, 'MySQL keeps an enum in its column type; the normalizer writes enum(...) into each column');
    case 'createSequence':
    case 'dropSequence':
    case 'alterSequence':
      return unsupported(change, 'sequences are not managed by the mysql engine');

    case 'createTable':
      return [{ kind: 'step', step: step(`create table ${words(change.table.name)}`, [createTableStatement(change.table, options, flavor)], [], mysqlLocks.create) }];
    case 'dropTable':
      return [
        {
          kind: 'step',
          step: step(`drop table ${words(change.table.name)}`, [`DROP TABLE ${q(change.table.name)}`], [hazard('DELETES_DATA', `drops table ${change.table.name} and all its rows`)], mysqlLocks.alter),
        },
      ];
    case 'renameTable':
      return [{ kind: 'step', step: step(`rename table ${words(change.from)} to ${words(change.to)}`, [`RENAME TABLE ${q(change.from)} TO ${q(change.to)}`], [], mysqlLocks.alter) }];
    case 'setTableComment':
      return [clause(change.table, 'tableComment', `COMMENT=${quoteLiteral(change.comment ?? '')}`, `set comment of table ${words(change.table)}`)];
    case 'alterTable':
      return alterTableOptions(change);

    case 'addColumn': {
      const column = change.column;
      return [
        clause(change.table, addColumnOperation(column), `ADD COLUMN ${columnDefinition(column, change.table)}`, `add column ${words(change.table)}.${words(column.name)} (${words(column.type)})`, {
          hazards: column.nullable || column.default !== undefined || column.generated !== undefined || column.autoIncrement ? [] : [hazard('MAY_FAIL_ON_EXISTING_ROWS', `existing rows get the type's implicit default in ${change.table}.${column.name}, or the statement fails in strict mode`)],
        }),
      ];
    }
    case 'dropColumn':
      return [
        clause(change.table, 'dropColumn', `DROP COLUMN ${quoteIdent(change.column.name)}`, `drop column ${words(change.table)}.${words(change.column.name)}`, {
          hazards: [hazard('DELETES_DATA', `drops column ${change.table}.${change.column.name} and its values`)],
        }),
      ];
    case 'renameColumn':
      return [
        clause(change.table, 'renameColumn', `RENAME COLUMN ${quoteIdent(change.from)} TO ${quoteIdent(change.to)}`, `rename column ${words(change.table)}.${words(change.from)} to ${words(change.to)}`, {
          alone: true,
        }),
      ];
    case 'alterColumn':
      return [alterColumn(change)];

    case 'addPrimaryKey':
      return [
        clause(change.table, 'addPrimaryKey', `ADD ${primaryKeyDefinition(change.primaryKey, change.table)}`, `add primary key on ${words(change.table)}`, {
          hazards: [hazard('INDEX_BUILD', `builds the primary key of ${change.table}`), hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if rows of ${change.table} repeat a key or hold NULL in it`)],
        }),
      ];
    case 'dropPrimaryKey':
      return [clause(change.table, 'dropPrimaryKey', 'DROP PRIMARY KEY', `drop primary key of ${words(change.table)}`)];
    case 'addUnique':
    case 'dropUnique':
      return unsupported(change, 'a MySQL unique constraint is a unique index; the normalizer makes it one');

    case 'addIndex': {
      // A new table's indexes are part of its CREATE TABLE.
      if (change.newTable) return [];
      const index = change.index;
      const method = index.method.toUpperCase();
      const operation: AlterOperation = method === 'FULLTEXT' ? 'addFulltextIndex' : method === 'SPATIAL' ? 'addSpatialIndex' : 'addIndex';
      const hazards = [hazard('INDEX_BUILD', `builds index ${index.name} on ${change.table}`)];
      if (index.unique) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if rows of ${change.table} repeat a key of ${index.name}`));
      return [clause(change.table, operation, `ADD ${indexDefinition(index, change.table, flavor)}`, `create index ${words(index.name)} on ${words(change.table)}`, { hazards })];
    }
    case 'dropIndex':
      return [clause(change.table, 'dropIndex', `DROP INDEX ${quoteIdent(change.index.name)}`, `drop index ${words(change.index.name)} on ${words(change.table)}`)];
    case 'renameIndex':
      return [clause(change.table, 'renameIndex', `RENAME INDEX ${quoteIdent(change.from)} TO ${quoteIdent(change.to)}`, `rename index ${words(change.from)} to ${words(change.to)} on ${words(change.table)}`)];
    case 'alterIndex':
      return unsupported(change, 'MySQL indexes have no storage parameters');

    case 'addForeignKey': {
      const fk = change.foreignKey;
      return [
        clause(change.table, 'addForeignKey', `ADD ${foreignKeyDefinition(fk, change.table, options)}`, `add foreign key ${words(fk.name)} on ${words(change.table)} -> ${words(fk.refTable)}`, {
          newTable: change.newTable,
          adds: `foreign key ${fk.name}`,
          hazards: change.newTable ? [] : [hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if rows of ${change.table} reference no row of ${fk.refTable}`)],
        }),
      ];
    }
    case 'dropForeignKey':
      return [
        clause(change.table, 'dropForeignKey', `DROP FOREIGN KEY ${quoteIdent(change.foreignKey.name)}`, `drop foreign key ${words(change.foreignKey.name)} on ${words(change.table)}`, {
          drops: `foreign key ${change.foreignKey.name}`,
        }),
      ];
    case 'addCheck':
      // A new table's checks are part of its CREATE TABLE.
      if (change.newTable) return [];
      return [
        clause(change.table, 'addCheck', `ADD ${checkDefinition(change.check, change.table)}`, `add check ${words(change.check.name)} on ${words(change.table)}`, {
          adds: `check ${change.check.name}`,
          hazards: change.check.notEnforced ? [] : [hazard('MAY_FAIL_ON_EXISTING_ROWS', `fails if rows of ${change.table} break check ${change.check.name}`)],
        }),
      ];
    case 'dropCheck':
      return [
        clause(change.table, 'dropCheck', `DROP CONSTRAINT ${quoteIdent(change.check.name)}`, `drop check ${words(change.check.name)} on ${words(change.table)}`, {
          drops: `check ${change.check.name}`,
        }),
      ];

    case 'renameConstraint':
      return unsupported(change, 'MySQL cannot rename a constraint; refineChanges drops and adds it');
    case 'setObjectComment':
      return unsupported(change, 'MySQL keeps comments on indexes only, set by recreating the index (refineChanges)');
    case 'validateConstraint':
      return unsupported(change, 'MySQL has no NOT VALID constraints');
    case 'rebuildTable':
    case 'replaceTable':
    case 'attachPartition':
    case 'detachPartition':
    case 'inherit':
    case 'noInherit':
    case 'addExclusion':
    case 'dropExclusion':
    case 'setRowSecurity':
      return unsupported(change, 'not a MySQL feature');
    case 'createObject':
    case 'dropObject':
    case 'replaceObject':
    case 'alterObject':
    case 'replaceType':
    case 'dropReplacedType':
    case 'setGrants':
      return unsupported(change, 'views, routines, triggers and grants are not managed by the mysql engine yet');
    default: {
      const unhandled: never = change;
      throw new Error(`unhandled change ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Whether the clause can join the statement being built from `group`. */
function joins(group: readonly Clause[], next: Clause): boolean {
  const first = group[0]!;
  if (first.table !== next.table || first.alone || next.alone) return false;
  if ((first.newTable ?? false) !== (next.newTable ?? false)) return false;
  return next.adds === undefined || !group.some((c) => c.drops === next.adds);
}

/** One ALTER TABLE of clauses, with what its algorithm costs. */
function alterStep(group: readonly Clause[], options: RenderOptions, flavor: Flavor | undefined): PlanStep {
  const table = group[0]!.table;
  const summary = group.map((c) => c.summary).join('; ');
  const sql = `ALTER TABLE ${qualified(table, options)} ${group.map((c) => c.sql).join(', ')}`;
  if (group[0]!.newTable) return step(summary, [sql], [], mysqlLocks.create);
  const operations = group.map((c) => c.operation);
  // Both in one statement, the primary key is swapped in place; apart, dropping it copies the table.
  const swapsKey = operations.includes('dropPrimaryKey') && operations.includes('addPrimaryKey');
  const online: Online = combinedOnline(
    operations.filter((o) => !swapsKey || (o !== 'dropPrimaryKey' && o !== 'addPrimaryKey')).concat(swapsKey ? ['replacePrimaryKey'] : []).map((o) => onlineDdl(o, flavor)),
  );
  const clauses = onlineClauses(online);
  return step(summary, [clauses.length > 0 ? `${sql}, ${clauses.join(', ')}` : sql], [...group.flatMap((c) => c.hazards), ...onlineHazards(table, online)], mysqlLocks.alter);
}

/**
 * Renders changes in the order given (the planner's). `flavor` decides the ALGORITHM and LOCK
 * each statement promises, and how an ignored index is written; without one (SQL for any server)
 * nothing is promised.
 */
export function mysqlRenderer(flavor?: Flavor): RenderChanges {
  return (changes, options) => {
    const steps: PlanStep[] = [];
    let group: Clause[] = [];
    const flush = () => {
      if (group.length > 0) steps.push(alterStep(group, options, flavor));
      group = [];
    };
    for (const change of changes) {
      for (const piece of renderChange(change, options, flavor)) {
        if (piece.kind === 'step') {
          flush();
          steps.push(piece.step);
        } else if (group.length > 0 && joins(group, piece)) {
          group.push(piece);
        } else {
          flush();
          group.push(piece);
        }
      }
    }
    flush();
    return steps;
  };
}

export const renderChanges: RenderChanges = mysqlRenderer();
