// SQLite canonical form of the schema model (DESIGN.md invariant 2). SQLite stores DDL as written
// and derives behaviour from the text (a column's affinity from its declared type), so the
// canonical form is mostly the text itself, with spelling differences SQLite ignores taken out:
// types upper-case with collapsed whitespace, expressions through one printer (expression.ts),
// collations upper-case. A desired schema written the PostgreSQL way is mapped to what SQLite
// would store (serial -> INTEGER PRIMARY KEY, now() -> CURRENT_TIMESTAMP); what SQLite cannot
// hold (arrays, enums, sequences, deferrable uniques, index methods) is refused with the table
// and column named, so it fails once at plan time instead of tenant by tenant at apply.
import { byName } from '../../../model/fingerprint.js';
import { parseFkAction } from '../../../model/fk-action.js';
import { UserError } from '../../../errors.js';
import type {
  CheckModel,
  ColumnModel,
  ForeignKeyModel,
  IndexKey,
  IndexModel,
  SchemaModel,
  TableModel,
  UniqueModel,
} from '../../../model/types.js';
import { canonicalDefaultText, canonicalExpressionText, canonicalTypeText, collationName, simpleColumnName, splitCollate } from './expression.js';

/** PostgreSQL's auto-incrementing pseudo-types: in SQLite an INTEGER PRIMARY KEY, an alias of the rowid. */
const SERIAL_TYPES = new Set(['SERIAL', 'BIGSERIAL', 'SMALLSERIAL', 'SERIAL2', 'SERIAL4', 'SERIAL8']);

/** The only types a STRICT table accepts. */
const STRICT_TYPES = new Set(['INT', 'INTEGER', 'REAL', 'TEXT', 'BLOB', 'ANY']);

/** Table options the engine knows; all are flags. */
const TABLE_OPTIONS = ['autoincrement', 'strict', 'withoutRowid'] as const;

/**
 * Canonical spelling of a declared type: upper-case, whitespace collapsed, none around
 * parentheses (`varchar (255)` -> `VARCHAR(255)`); `''` stays `''` (no type: BLOB affinity).
 * Names are not translated (`INT` stays distinct from `INTEGER`: only `INTEGER PRIMARY KEY` is
 * a rowid alias), except the serial pseudo-types, which become `INTEGER`.
 *
 * The affinity, not recorded since it follows from the text (https://sqlite.org/datatype3.html
 * 3.1): contains INT -> INTEGER; else CHAR, CLOB or TEXT -> TEXT; else BLOB or no type -> BLOB;
 * else REAL, FLOA or DOUB -> REAL; else NUMERIC.
 */
export function canonicalType(type: string): string {
  const text = canonicalTypeText(type);
  return SERIAL_TYPES.has(text) ? 'INTEGER' : text;
}

/**
 * Canonical form of a column default; undefined when it means no default (NULL). Literals stay as
 * written (`'a'`, `0`, `-1`, `1.5`), keywords upper-case (`TRUE`, `CURRENT_TIMESTAMP`; `now()`
 * becomes `CURRENT_TIMESTAMP`), redundant outer parentheses go. The type does not change the text:
 * SQLite applies the column's affinity to the value, not to the default's text.
 */
export function canonicalDefault(expression: string, _type?: string): string | undefined {
  return canonicalDefaultText(expression);
}

/** Canonical form of a CHECK, index key, partial-index predicate or generated-column expression. */
export function canonicalExpression(expression: string): string {
  return canonicalExpressionText(expression);
}

/** A type name SQLite takes as a declared type: names, optionally with one or two signed numbers in parentheses. */
const DECLARED_TYPE =
  /^\s*(?:(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"|`(?:[^`]|``)+`)\s*)*(?:\(\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*(?:,\s*[-+]?(?:\d+\.?\d*|\.\d+)\s*)?\))?\s*$/;

/** True for anything SQLite accepts as a declared type: any name (it only derives an affinity), never an array. */
export function isBuiltinType(type: string): boolean {
  return DECLARED_TYPE.test(type);
}

// ---------------------------------------------------------------------------------------------


/** `"C"` names the collation C; SQLite compares collation names case-insensitively. */
function collationOf(value: string): string {
  const text = value.trim();
  const unquoted = /^(["`])(.*)\1$/s.exec(text)?.[2] ?? /^\[(.*)\]$/s.exec(text)?.[1] ?? text;
  return collationName(unquoted);
}

interface TableContext {
  readonly table: TableModel;
  readonly problems: string[];
  /** Column name -> its collation; BINARY when it has none. */
  readonly collations: ReadonlyMap<string, string>;
}

function normalizeColumn(column: ColumnModel, table: TableModel, problems: string[]): ColumnModel {
  const where = `${table.name}.${column.name}`;
  const written = column.type.trim();
  if (/\[\s*\d*\s*\]$/.test(written)) problems.push(`${where}: array type '${written}' is not supported by the sqlite engine`);
  const primaryKey = table.primaryKey?.columns ?? [];
  const onlyKey = primaryKey.length === 1 && primaryKey[0] === column.name;
  const serial = SERIAL_TYPES.has(canonicalTypeText(written));
  let type = canonicalType(written);
  if (serial && !onlyKey) {
    problems.push(`${where}: ${written} is an INTEGER PRIMARY KEY in sqlite, so the column must be the table's only primary key column`);
  }
  if (serial && column.default !== undefined) problems.push(`${where}: a ${written} column cannot have a default`);
  if (column.identity !== undefined) {
    // An identity column is what SQLite's rowid alias is: an INTEGER PRIMARY KEY numbered by SQLite.
    if (onlyKey && /INT/.test(type)) type = 'INTEGER';
    else problems.push(`${where}: identity columns are not supported by the sqlite engine (use an INTEGER primary key)`);
  }
  const defaultValue = serial || column.default === undefined || column.default === null ? undefined : canonicalDefault(String(column.default), type);
  const collation = column.collation === undefined ? undefined : collationOf(column.collation);
  return {
    name: column.name,
    type,
    // The renderer writes NOT NULL on primary key columns: SQLite would otherwise allow NULLs in
    // a primary key that is not the rowid.
    nullable: column.nullable !== false && !primaryKey.includes(column.name) && !serial,
    ...(defaultValue !== undefined && { default: defaultValue }),
    ...(column.generated !== undefined && { generated: canonicalExpression(column.generated) }),
    ...(column.generated !== undefined && column.virtual === true && { virtual: true as const }),
    ...(collation !== undefined && collation !== 'BINARY' && { collation }),
  };
}

function normalizeIndexKey(key: IndexKey, index: string, ctx: TableContext): IndexKey {
  const where = `${ctx.table.name} index ${index}`;
  let column = key.column;
  let expression: string | undefined;
  let collation = key.collation === undefined ? undefined : collationOf(key.collation);
  if (key.expression !== undefined) {
    const split = splitCollate(key.expression);
    collation ??= split.collation;
    // SQLite stores `(email)` and `email COLLATE x` as column keys.
    column = simpleColumnName(split.expression);
    if (column === undefined) expression = canonicalExpression(split.expression);
  }
  if (key.opclass !== undefined) ctx.problems.push(`${where}: operator classes are not supported by the sqlite engine`);
  const descending = key.descending === true;
  // SQLite sorts NULLs first in ascending order and last in descending order, and CREATE INDEX
  // takes no NULLS clause; only the natural order can be written.
  if (key.nulls !== undefined && key.nulls !== (descending ? 'last' : 'first')) {
    ctx.problems.push(`${where}: NULLS ${key.nulls.toUpperCase()} is not supported in a sqlite index`);
  }
  // A column key inherits the column's collation: only a different one is recorded.
  const inherited = column !== undefined ? (ctx.collations.get(column) ?? 'BINARY') : 'BINARY';
  return {
    ...(column !== undefined ? { column } : { expression: expression ?? '' }),
    ...(descending && { descending: true }),
    ...(collation !== undefined && collation !== inherited && { collation }),
  };
}

function normalizeIndex(index: IndexModel, ctx: TableContext): IndexModel {
  const method = (index.method ?? '').trim().toLowerCase() || 'btree';
  if (method !== 'btree') ctx.problems.push(`${ctx.table.name} index ${index.name}: index method ${method} is not supported by the sqlite engine (only btree)`);
  if ((index.include ?? []).length > 0) ctx.problems.push(`${ctx.table.name} index ${index.name}: INCLUDE columns are not supported by the sqlite engine`);
  const where = index.where !== undefined && index.where.trim() !== '' ? canonicalExpression(index.where) : undefined;
  return {
    name: index.name,
    unique: index.unique === true,
    method: 'btree',
    keys: (index.keys ?? []).map((k) => normalizeIndexKey(k, index.name, ctx)),
    include: [],
    ...(where !== undefined && { where }),
  };
}

function normalizeUnique(unique: UniqueModel, ctx: TableContext): UniqueModel {
  const where = `${ctx.table.name} unique ${unique.name}`;
  if (unique.nullsNotDistinct === true) ctx.problems.push(`${where}: NULLS NOT DISTINCT is not supported by the sqlite engine`);
  if (unique.deferrable === true) ctx.problems.push(`${where}: deferrable unique constraints are not supported by the sqlite engine`);
  return { name: unique.name, columns: [...unique.columns] };
}

function normalizeForeignKey(fk: ForeignKeyModel, tables: ReadonlyMap<string, TableModel>): ForeignKeyModel {
  let refColumns = [...(fk.refColumns ?? [])];
  // REFERENCES t without columns means t's primary key.
  if (refColumns.length === 0) refColumns = [...(tables.get(fk.refTable)?.primaryKey?.columns ?? [])];
  // DEFERRABLE alone and DEFERRABLE INITIALLY IMMEDIATE are immediate in SQLite, as is NOT
  // DEFERRABLE; only INITIALLY DEFERRED differs. MATCH is parsed and ignored by SQLite.
  const deferred = fk.deferrable === true && fk.initiallyDeferred === true;
  return {
    name: fk.name,
    columns: [...fk.columns],
    refTable: fk.refTable,
    refColumns,
    onDelete: parseFkAction(fk.onDelete),
    onUpdate: parseFkAction(fk.onUpdate),
    deferrable: deferred,
    initiallyDeferred: deferred,
  };
}

function normalizeCheck(check: CheckModel): CheckModel {
  return { name: check.name, expression: canonicalExpression(check.expression) };
}

function isTrue(value: string | boolean | undefined): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

function normalizeOptions(table: TableModel, columns: readonly ColumnModel[], problems: string[]): Record<string, true> | undefined {
  const given = table.options ?? {};
  for (const key of Object.keys(given)) {
    if (!(TABLE_OPTIONS as readonly string[]).includes(key)) {
      problems.push(`${table.name}: unknown table option '${key}' for the sqlite engine (known: ${TABLE_OPTIONS.join(', ')})`);
    }
  }
  const options: Record<string, true> = {};
  for (const key of TABLE_OPTIONS) if (isTrue(given[key])) options[key] = true;
  const primaryKey = table.primaryKey?.columns ?? [];
  if (options.autoincrement) {
    const column = columns.find((c) => c.name === primaryKey[0]);
    if (primaryKey.length !== 1 || column?.type !== 'INTEGER') problems.push(`${table.name}: autoincrement needs a single-column INTEGER primary key`);
    if (options.withoutRowid) problems.push(`${table.name}: autoincrement is not possible on a WITHOUT ROWID table`);
  }
  if (options.withoutRowid && primaryKey.length === 0) problems.push(`${table.name}: a WITHOUT ROWID table needs a primary key`);
  if (options.strict) {
    for (const column of columns) {
      if (!STRICT_TYPES.has(column.type)) {
        problems.push(`${table.name}.${column.name}: type '${column.type}' is not allowed in a STRICT table (INT, INTEGER, REAL, TEXT, BLOB or ANY)`);
      }
    }
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

/** PostgreSQL's table and column settings, which SQLite has no place for: refused, never dropped in silence. */
function postgresOnly(table: TableModel, problems: string[]): void {
  const tableKeys = (['partitionBy', 'partitionOf', 'unlogged', 'storageParameters', 'clusterOn', 'replicaIdentity', 'exclusions'] as const).filter((k) => table[k] !== undefined);
  if (tableKeys.length > 0) problems.push(`${table.name}: ${tableKeys.join(', ')} are PostgreSQL's; the sqlite engine has no partitions or storage parameters`);
  for (const column of table.columns) {
    const keys = (['statistics', 'storage', 'compression', 'options', 'identityOptions', 'identitySequenceName'] as const).filter((k) => column[k] !== undefined);
    if (keys.length > 0) problems.push(`${table.name}.${column.name}: ${keys.join(', ')} are PostgreSQL column settings; the sqlite engine has none`);
  }
  for (const index of table.indexes ?? []) {
    if (index.storageParameters !== undefined) problems.push(`${table.name}: index ${index.name}: storageParameters are PostgreSQL's; the sqlite engine has no storage parameters`);
  }
}

function normalizeTable(table: TableModel, tables: ReadonlyMap<string, TableModel>, problems: string[]): TableModel {
  postgresOnly(table, problems);
  const columns = table.columns.map((c) => normalizeColumn(c, table, problems));
  const ctx: TableContext = { table, problems, collations: new Map(columns.map((c) => [c.name, c.collation ?? 'BINARY'])) };
  const options = normalizeOptions(table, columns, problems);
  // SQLite has no comments: a comment in the manifest has nowhere to go and is left out.
  return {
    name: table.name,
    columns,
    ...(table.primaryKey !== undefined && { primaryKey: { name: table.primaryKey.name, columns: [...table.primaryKey.columns] } }),
    uniques: byName((table.uniques ?? []).map((u) => normalizeUnique(u, ctx))),
    indexes: byName((table.indexes ?? []).map((i) => normalizeIndex(i, ctx))),
    foreignKeys: byName((table.foreignKeys ?? []).map((f) => normalizeForeignKey(f, tables))),
    checks: byName((table.checks ?? []).map(normalizeCheck)),
    ...(options !== undefined && { options }),
  };
}

/**
 * Canonicalizes a desired schema written by a person (types, defaults, expressions, serial).
 * Throws a UserError listing everything SQLite cannot hold, each naming its table and column.
 * Idempotent.
 */
export function normalizeSchema(schema: SchemaModel): SchemaModel {
  const problems: string[] = [];
  if ((schema.enums ?? []).length > 0) {
    problems.push(`enums are not supported by the sqlite engine (${schema.enums.map((e) => e.name).join(', ')}): use TEXT with a CHECK (column IN (...))`);
  }
  if ((schema.sequences ?? []).length > 0) {
    problems.push(`sequences are not supported by the sqlite engine (${schema.sequences.map((s) => s.name).join(', ')}): use an INTEGER primary key`);
  }
  const tablesByName = new Map(schema.tables.map((t) => [t.name, t]));
  const tables = byName(schema.tables.map((t) => normalizeTable(t, tablesByName, problems)));
  if (problems.length > 0) throw new UserError(problems.length === 1 ? problems[0]! : `the sqlite engine cannot hold:\n  ${problems.join('\n  ')}`);
  const unmanaged = schema.unmanaged === undefined ? undefined : [...schema.unmanaged].sort((a, b) => (a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    tables,
    enums: [],
    sequences: [],
    ...(schema.externalTypes !== undefined && { externalTypes: [...new Set(schema.externalTypes)].sort() }),
    ...(unmanaged !== undefined && { unmanaged }),
  };
}

/**
 * The inverse sugar for writing a manifest from an inspected schema. SQLite has none to undo: an
 * INTEGER PRIMARY KEY (with AUTOINCREMENT as a table option) is written as it is, and reads back
 * as the same model.
 */
export function toManifestSchema(schema: SchemaModel): SchemaModel {
  return schema;
}
