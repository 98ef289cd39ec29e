// Reads one SQLite database into the normalized model: what the pragmas report (columns, keys,
// indexes, foreign keys; see queries.ts), completed from the CREATE statements in sqlite_schema
// for what no pragma reports (constraint names, CHECKs, generated expressions, collations,
// AUTOINCREMENT, DEFERRABLE, index expressions and predicates; see parse-create-table.ts).
// Unnamed constraints get the names the manifest gives them (the engine's naming, names.ts), so a
// manifest without names matches the database it describes.
import { deepFreeze } from '../../../util/deep-freeze.js';
import { existsSync } from 'node:fs';
import type {
  CheckModel,
  ColumnModel,
  FkAction,
  ForeignKeyModel,
  IndexKey,
  IndexModel,
  SchemaModel,
  TableModel,
  UniqueModel,
  UnmanagedObject,
} from '../../../model/types.js';
import type { InspectOutcome, UnnamedConstraint } from '../../types.js';
import type { TenantContext } from '../../../domain/tenant.js';
import { openDatabase, type SqliteDatabase } from './connect.js';
import { needsRecovery, recoveryMessage } from './recover.js';
import { collationName, simpleColumnName } from './expression.js';
import { naming } from '../names.js';
import { canonicalDefault, canonicalExpression, canonicalType } from './normalize.js';
import { parseCreateIndex, parseCreateTable, type ParsedCreateIndex, type ParsedCreateTable, type ParsedForeignKey } from './parse-create-table.js';
import { COLUMNS, FOREIGN_KEYS, INDEX_KEYS, SCHEMA_OBJECTS, TABLE_LIST } from './queries.js';

/** Files inspected between two yields to the event loop: better-sqlite3 is synchronous. */
const YIELD_EVERY = 25;

/** A table schema-sync keeps for itself (reserved): neither managed nor reported as unmanaged. */
const RESERVED_TABLES = new Set(['schema_sync_history']);

/**
 * Tables virtual table modules keep their data in, by suffix (FTS3/4, FTS5, R*Tree). pragma
 * table_list calls them 'shadow' only when the module is loaded; this catches the others.
 */
const SHADOW_SUFFIXES = ['content', 'segments', 'segdir', 'docsize', 'stat', 'data', 'idx', 'config', 'node', 'rowid', 'parent'];

// ---------------------------------------------------------------------------------------------
// Rows, as the queries in queries.ts return them.

interface ObjectRow {
  type: string;
  name: string;
  table: string;
  rootpage: number | null;
  sql: string | null;
}
interface TableListRow {
  name: string;
  type: string;
  wr: number;
  strict: number;
}
interface ColumnRow {
  table: string;
  cid: number;
  name: string;
  type: string;
  not_null: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}
interface IndexKeyRow {
  table: string;
  index: string;
  is_unique: number;
  origin: string;
  partial: number;
  seqno: number;
  cid: number;
  column: string | null;
  descending: number;
  collation: string | null;
}
interface ForeignKeyRow {
  table: string;
  id: number;
  seq: number;
  ref_table: string;
  column: string;
  ref_column: string | null;
  on_update: string;
  on_delete: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A constraint whose name may still be the default, with what the default is made of. */
interface Pending<T> {
  readonly model: Omit<T, 'name'>;
  readonly name: string | undefined;
  readonly unnamed: UnnamedConstraint;
}

interface TableDraft {
  readonly name: string;
  readonly columns: ColumnModel[];
  primaryKey?: Pending<{ name: string; columns: readonly string[] }>;
  readonly uniques: Pending<UniqueModel>[];
  readonly indexes: IndexModel[];
  /** Foreign keys, their referenced columns completed once every table is read. */
  readonly foreignKeys: { pending: Pending<ForeignKeyModel>; implicitColumns: boolean }[];
  readonly checks: Pending<CheckModel>[];
  readonly options: Record<string, true>;
  readonly problems: string[];
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { readonly name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((name, i) => name.toLowerCase() === b[i]!.toLowerCase());

// ---------------------------------------------------------------------------------------------

/** What a tenant file's read compares; triggers and views are reported as unmanaged. */
export const COMPARED_KINDS: readonly string[] = [
  'tables (with their options)',
  'columns (type, nullability, default, generation, collation)',
  'primary keys',
  'unique, check and foreign key constraints',
  'indexes',
];

/**
 * The normalized model of one open database. Reads only, in one read transaction (one snapshot)
 * of its own, or, when the handle is already inside a transaction (the apply session's), in that.
 */
export function inspectDatabase(db: SqliteDatabase): SchemaModel {
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    const schema = readSchema(db);
    if (own) db.exec('COMMIT');
    return schema;
  } catch (error) {
    if (own && db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * Inspects many tenant files (each tenant's `location`), each opened read-only and closed before
 * the next. A file that cannot be read (missing, not a database, locked past the busy timeout)
 * gives that tenant an error naming the file; the others go on.
 */
export async function inspectFiles(tenants: readonly TenantContext[]): Promise<Map<string, InspectOutcome>> {
  const result = new Map<string, InspectOutcome>();
  let count = 0;
  for (const tenant of tenants) {
    if (count > 0 && count % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    count++;
    result.set(tenant.name, inspectFile(tenant));
  }
  return result;
}

function inspectFile(tenant: TenantContext): InspectOutcome {
  const file = tenant.location;
  if (file === undefined) return { ok: false, error: `tenant ${tenant.name} has no database file` };
  let db: SqliteDatabase | undefined;
  try {
    db = openDatabase(file, { readonly: true });
    return { ok: true, schema: inspectDatabase(db) };
  } catch (error) {
    if (needsRecovery(error, file)) return { ok: false, error: recoveryMessage(file, tenant.name) };
    return { ok: false, error: `cannot inspect ${file}: ${describeError(error, file)}` };
  } finally {
    db?.close();
  }
}

/** What went wrong with a tenant file, in words: a missing file and a file that is no database are named so. */
export function describeError(error: unknown, file: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_CANTOPEN' && !existsSync(file)) return 'the file does not exist';
  if (code === 'SQLITE_NOTADB') return `not a SQLite database (${message})`;
  return message;
}

// ---------------------------------------------------------------------------------------------

interface SchemaRows {
  readonly objects: ObjectRow[];
  readonly tableList: TableListRow[];
  readonly columns: ColumnRow[];
  readonly indexKeys: IndexKeyRow[];
  readonly foreignKeys: ForeignKeyRow[];
}

/**
 * Tenants of one fleet mostly hold byte-identical schemas: the model built from one database is
 * kept and shared (frozen) by every file whose sqlite_schema holds the same rows, instead of
 * parsing the same CREATE statements a thousand times. Those rows are the whole schema: SQLite
 * keeps nothing else about a table, index or trigger, and every pragma the model also reads
 * (table_list, table_xinfo, index_list, index_xinfo, foreign_key_list) reports what SQLite
 * parsed from them. So a file whose rows are known needs none of those pragmas; this matters
 * to apply, which reads each tenant twice (its stale check, and its verification before COMMIT).
 * The root page numbers differ between files of one schema and are left out; only whether one is
 * 0 (a virtual table) counts. Bounded, so odd fleets cannot grow it.
 */
const modelsByObjects = new Map<string, SchemaModel>();
const maxCachedModels = 64;

function readSchema(db: SqliteDatabase): SchemaModel {
  const objects = db.prepare(SCHEMA_OBJECTS).all() as ObjectRow[];
  const key = JSON.stringify(objects.map((o) => [o.type, o.name, o.table, o.rootpage === 0, o.sql]));
  const cached = modelsByObjects.get(key);
  if (cached) return cached;
  const rows: SchemaRows = {
    objects,
    tableList: db.prepare(TABLE_LIST).all() as TableListRow[],
    columns: db.prepare(COLUMNS).all() as ColumnRow[],
    indexKeys: db.prepare(INDEX_KEYS).all() as IndexKeyRow[],
    foreignKeys: db.prepare(FOREIGN_KEYS).all() as ForeignKeyRow[],
  };
  const model = deepFreeze(buildSchema(rows));
  if (modelsByObjects.size >= maxCachedModels) modelsByObjects.clear();
  modelsByObjects.set(key, model);
  return model;
}

function buildSchema(rows: SchemaRows): SchemaModel {
  const objects = rows.objects;
  const tableList = new Map(rows.tableList.map((row) => [row.name, row]));

  const virtualTables = objects.filter((o) => o.type === 'table' && (tableList.get(o.name)?.type === 'virtual' || o.rootpage === 0)).map((o) => o.name);
  const isShadow = (name: string): boolean =>
    tableList.get(name)?.type === 'shadow' || virtualTables.some((v) => SHADOW_SUFFIXES.some((suffix) => name === `${v}_${suffix}`));
  const isInternal = (name: string): boolean => name.toLowerCase().startsWith('sqlite_') || RESERVED_TABLES.has(name);
  const managed = objects.filter((o) => o.type === 'table' && !isInternal(o.name) && !virtualTables.includes(o.name) && !isShadow(o.name));
  const managedNames = new Set(managed.map((o) => o.name));

  const columns = groupBy(
    rows.columns.filter((r) => managedNames.has(r.table)),
    (r) => r.table,
  );
  const indexKeys = groupBy(
    rows.indexKeys.filter((r) => managedNames.has(r.table)),
    (r) => r.table,
  );
  const foreignKeys = groupBy(
    rows.foreignKeys.filter((r) => managedNames.has(r.table)),
    (r) => r.table,
  );
  const indexSql = new Map(objects.filter((o) => o.type === 'index' && o.sql !== null).map((o) => [o.name, o.sql!]));

  const drafts = managed.map((object) =>
    draftTable(object, tableList.get(object.name), columns.get(object.name) ?? [], indexKeys.get(object.name) ?? [], foreignKeys.get(object.name) ?? [], indexSql),
  );
  completeForeignKeys(drafts);
  const tables = nameConstraints(drafts);

  const unmanaged: UnmanagedObject[] = [];
  for (const object of objects) {
    if (isInternal(object.name) || isInternal(object.table)) continue;
    if (object.type === 'view') unmanaged.push({ kind: 'view', name: object.name });
    else if (object.type === 'trigger') {
      // A table rebuild drops the table's triggers; their SQL lets the rebuild create them again.
      unmanaged.push({ kind: 'trigger', name: `${object.table}.${object.name}`, table: object.table, definition: object.sql ?? '' });
    } else if (object.type === 'table' && virtualTables.includes(object.name)) unmanaged.push({ kind: 'virtual table', name: object.name });
  }
  for (const draft of drafts) {
    for (const problem of draft.problems) unmanaged.push({ kind: 'unparsed', name: `${draft.name}: ${problem}` });
  }
  unmanaged.sort((a, b) => compareNames(a.kind, b.kind) || compareNames(a.name, b.name));

  return { tables, enums: [], sequences: [], unmanaged };
}

function draftTable(
  object: ObjectRow,
  listed: TableListRow | undefined,
  columnRows: readonly ColumnRow[],
  keyRows: readonly IndexKeyRow[],
  fkRows: readonly ForeignKeyRow[],
  indexSql: ReadonlyMap<string, string>,
): TableDraft {
  const parsed = parseCreateTable(object.sql ?? '');
  const problems = [...parsed.problems];
  const parsedColumns = new Map(parsed.columns.map((c) => [c.name.toLowerCase(), c]));
  const withoutRowid = listed !== undefined ? listed.wr === 1 : parsed.withoutRowid;
  const strict = listed !== undefined ? listed.strict === 1 : parsed.strict;
  const indexes = groupBy(keyRows, (r) => r.index);
  const byOrigin = (origin: string): [string, IndexKeyRow[]][] => [...indexes].filter(([, rows]) => rows[0]!.origin === origin);

  // The primary key is the rowid when it is one INTEGER column and no index backs it (an
  // `INTEGER PRIMARY KEY DESC` column constraint, by an old quirk, gets an index and is not).
  const pkRows = columnRows.filter((r) => r.pk > 0).sort((a, b) => a.pk - b.pk);
  const rowidAlias = !withoutRowid && pkRows.length === 1 && byOrigin('pk').length === 0;

  const columns: ColumnModel[] = [];
  for (const row of columnRows) {
    if (row.hidden === 1) continue;
    const source = parsedColumns.get(row.name.toLowerCase());
    const type = canonicalType(row.type);
    // What is declared, except where SQLite enforces NOT NULL without the declaration: the rowid
    // can never be NULL, and neither can a WITHOUT ROWID table's key. A primary key of a rowid
    // table that is not the rowid accepts NULLs unless NOT NULL is declared (an old SQLite bug
    // kept for compatibility), so there the declaration is what counts.
    const notNull = row.not_null === 1 || (row.pk > 0 && (rowidAlias || withoutRowid));
    const column: Mutable<ColumnModel> = { name: row.name, type, nullable: !notNull };
    if (row.dflt_value !== null) {
      const value = canonicalDefault(row.dflt_value, type);
      if (value !== undefined) column.default = value;
    }
    if (row.hidden === 2 || row.hidden === 3) {
      if (source?.generated !== undefined) column.generated = canonicalExpression(source.generated.expression);
      else problems.push(`the expression of generated column ${row.name} could not be read`);
      if (row.hidden === 2) column.virtual = true;
    }
    if (source?.collation !== undefined) {
      const collation = collationName(source.collation);
      if (collation !== 'BINARY') column.collation = collation;
    }
    columns.push(column);
  }
  const collations = new Map(columns.map((c) => [c.name, c.collation ?? 'BINARY']));

  const options: Record<string, true> = {};
  if (parsed.primaryKey?.autoincrement === true) options.autoincrement = true;
  if (strict) options.strict = true;
  if (withoutRowid) options.withoutRowid = true;

  const draft: TableDraft = {
    name: object.name,
    columns,
    uniques: [],
    indexes: [],
    foreignKeys: [],
    checks: [],
    options,
    problems,
  };

  if (pkRows.length > 0) {
    const pkColumns = pkRows.map((r) => r.name);
    draft.primaryKey = { model: { columns: pkColumns }, name: parsed.primaryKey?.name, unnamed: { kind: 'primaryKey', table: object.name } };
  }

  // UNIQUE constraints: their auto-indexes give the columns, the statement the names. Written
  // order first (it decides default names, as in the manifest), then any the parser missed.
  const uniqueIndexes = byOrigin('u').map(([, rows]) => rows.map((r) => r.column ?? ''));
  const usedUniques = new Set<number>();
  for (const unique of parsed.uniques) {
    const at = uniqueIndexes.findIndex((cols, i) => !usedUniques.has(i) && sameNames(cols, unique.columns));
    if (at < 0) continue;
    usedUniques.add(at);
    const cols = uniqueIndexes[at]!;
    draft.uniques.push({ model: { columns: cols }, name: unique.name, unnamed: { kind: 'unique', table: object.name, columns: cols } });
  }
  uniqueIndexes.forEach((cols, i) => {
    if (!usedUniques.has(i)) draft.uniques.push({ model: { columns: cols }, name: undefined, unnamed: { kind: 'unique', table: object.name, columns: cols } });
  });

  for (const [name, rows] of byOrigin('c')) {
    const sql = indexSql.get(name);
    const index = toIndex(name, rows, sql === undefined ? undefined : parseCreateIndex(sql), collations, problems);
    draft.indexes.push(index);
  }

  addForeignKeys(draft, parsed, fkRows, problems);

  for (const check of parsed.checks) {
    draft.checks.push({
      model: { expression: canonicalExpression(check.expression) },
      name: check.name,
      // The manifest reads the columns of a default check name from the expression as written.
      unnamed: { kind: 'check', table: object.name, expression: check.expression, tableColumns: columns.map((c) => c.name) },
    });
  }

  return draft;
}

function toIndex(
  name: string,
  rows: readonly IndexKeyRow[],
  parsed: ParsedCreateIndex | undefined,
  collations: ReadonlyMap<string, string>,
  problems: string[],
): IndexModel {
  const parsedKeys = parsed !== undefined && parsed.keys.length === rows.length ? parsed.keys : undefined;
  const keys = rows.map((row, i): IndexKey => {
    const source = parsedKeys?.[i];
    const key: Mutable<IndexKey> = {};
    if (row.cid === -2) {
      // An expression key: its text is only in the CREATE INDEX statement.
      const expression = source?.expression;
      if (expression === undefined) problems.push(`the expression of key ${i + 1} of index ${name} could not be read`);
      const column = expression === undefined ? undefined : simpleColumnName(expression);
      if (column !== undefined) key.column = column;
      else key.expression = expression === undefined ? '' : canonicalExpression(expression);
      const collation = source?.collation;
      if (collation !== undefined && collation !== 'BINARY') key.collation = collation;
    } else if (row.cid === -1) {
      key.expression = 'rowid';
    } else {
      const column = row.column ?? '';
      key.column = column;
      // A column key inherits the column's collation; only another one was written.
      const collation = collationName(row.collation ?? 'BINARY');
      if (collation !== (collations.get(column) ?? 'BINARY')) key.collation = collation;
    }
    if (row.descending === 1) key.descending = true;
    return key;
  });
  const first = rows[0]!;
  let where: string | undefined;
  if (first.partial === 1) {
    if (parsed?.where !== undefined) where = canonicalExpression(parsed.where);
    else problems.push(`the WHERE clause of partial index ${name} could not be read`);
  }
  return { name, unique: first.is_unique === 1, method: 'btree', keys, include: [], ...(where !== undefined && { where }) };
}

function fkAction(text: string): FkAction {
  const action = text.toLowerCase();
  const actions: readonly FkAction[] = ['no action', 'restrict', 'cascade', 'set null', 'set default'];
  return actions.find((a) => a === action) ?? 'no action';
}

function addForeignKeys(draft: TableDraft, parsed: ParsedCreateTable, fkRows: readonly ForeignKeyRow[], problems: string[]): void {
  // foreign_key_list numbers keys from the last declared: highest id first is written order.
  const groups = [...groupBy(fkRows, (r) => String(r.id)).values()]
    .map((rows) => rows.sort((a, b) => a.seq - b.seq))
    .sort((a, b) => b[0]!.id - a[0]!.id);
  const used = new Set<ParsedForeignKey>();
  const matched: { rows: ForeignKeyRow[]; source: ParsedForeignKey | undefined }[] = groups.map((rows) => {
    const columns = rows.map((r) => r.column);
    const source = parsed.foreignKeys.find(
      (fk) => !used.has(fk) && sameNames(fk.columns, columns) && fk.refTable.toLowerCase() === rows[0]!.ref_table.toLowerCase(),
    );
    if (source !== undefined) used.add(source);
    else problems.push(`the definition of the foreign key (${columns.join(', ')}) to ${rows[0]!.ref_table} could not be read`);
    return { rows, source };
  });
  // Written order decides default names: parsed order, then what the parser missed.
  const order = (m: (typeof matched)[number]): number => (m.source === undefined ? Number.MAX_SAFE_INTEGER : parsed.foreignKeys.indexOf(m.source));
  for (const { rows, source } of [...matched].sort((a, b) => order(a) - order(b))) {
    const columns = rows.map((r) => r.column);
    const deferred = source !== undefined && source.deferrable && source.initiallyDeferred;
    draft.foreignKeys.push({
      pending: {
        model: {
          columns,
          refTable: rows[0]!.ref_table,
          // Filled from the referenced table's primary key by completeForeignKeys when implicit.
          refColumns: rows.some((r) => r.ref_column === null) ? [] : rows.map((r) => r.ref_column ?? ''),
          onDelete: fkAction(rows[0]!.on_delete),
          onUpdate: fkAction(rows[0]!.on_update),
          deferrable: deferred,
          initiallyDeferred: deferred,
        },
        name: source?.name,
        unnamed: { kind: 'foreignKey', table: draft.name, columns },
      },
      implicitColumns: rows.some((r) => r.ref_column === null),
    });
  }
}

/**
 * Referenced tables and columns as the tables spell them (SQLite matches names case-insensitively),
 * and the referenced table's primary key where the clause names no columns.
 */
function completeForeignKeys(drafts: readonly TableDraft[]): void {
  const tables = new Map(drafts.map((d) => [d.name.toLowerCase(), d]));
  for (const draft of drafts) {
    draft.foreignKeys.forEach((fk, i) => {
      const model = fk.pending.model;
      const target = tables.get(model.refTable.toLowerCase());
      if (target === undefined) return;
      const spelled = new Map(target.columns.map((c) => [c.name.toLowerCase(), c.name]));
      const refColumns = fk.implicitColumns ? [...(target.primaryKey?.model.columns ?? [])] : model.refColumns.map((c) => spelled.get(c.toLowerCase()) ?? c);
      draft.foreignKeys[i] = { ...fk, pending: { ...fk.pending, model: { ...model, refTable: target.name, refColumns } } };
    });
  }
}

/**
 * Gives unnamed constraints the names the manifest gives them (src/manifest/to-model.ts
 * assignNames, with this engine's names.ts): explicit names and table and index names are taken
 * first; then, table by table in name order, checks, the primary key, unique constraints and
 * foreign keys take the first free default name.
 */
function nameConstraints(drafts: readonly TableDraft[]): TableModel[] {
  const taken = new Set<string>();
  for (const draft of drafts) {
    taken.add(draft.name);
    for (const index of draft.indexes) taken.add(index.name);
    for (const pending of [...draft.checks, ...(draft.primaryKey ? [draft.primaryKey] : []), ...draft.uniques, ...draft.foreignKeys.map((f) => f.pending)]) {
      if (pending.name !== undefined) taken.add(pending.name);
    }
  }
  const choose = (pending: Pending<unknown>): string => {
    if (pending.name !== undefined) return pending.name;
    const name = naming.constraintName(pending.unnamed, taken);
    taken.add(name);
    return name;
  };
  const tables: TableModel[] = [];
  for (const draft of [...drafts].sort((a, b) => compareNames(a.name, b.name))) {
    const checks = draft.checks.map((c) => ({ name: choose(c), ...c.model }));
    const primaryKey = draft.primaryKey ? { name: choose(draft.primaryKey), columns: draft.primaryKey.model.columns } : undefined;
    const uniques = draft.uniques.map((u) => ({ name: choose(u), ...u.model }));
    const foreignKeys = draft.foreignKeys.map((f) => ({ name: choose(f.pending), ...f.pending.model }));
    tables.push({
      name: draft.name,
      columns: draft.columns,
      ...(primaryKey !== undefined && { primaryKey }),
      uniques: byName(uniques),
      indexes: byName(draft.indexes),
      foreignKeys: byName(foreignKeys),
      checks: byName(checks),
      ...(Object.keys(draft.options).length > 0 && { options: draft.options }),
    });
  }
  return tables;
}
