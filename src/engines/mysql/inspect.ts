// Batched, read-only inspection of MySQL/MariaDB databases into the model. Every string is the
// server's own (COLUMN_TYPE, COLUMN_DEFAULT, CHECK_CLAUSE, ...): the desired schema is compiled
// on the same server and read by this same code, so the server decides which spellings are
// equal (DESIGN.md invariant 2). What the model cannot hold yet (views, triggers, routines,
// events, sequences, system-versioned tables, partitioning, foreign keys into another database)
// is listed as unmanaged, never dropped from sight (invariant 8).
import type mysql from 'mysql2/promise';
import { parseFkAction } from '../../model/fk-action.js';
import type {
  CheckModel,
  ColumnModel,
  ForeignKeyModel,
  IndexKey,
  IndexModel,
  PrimaryKeyModel,
  SchemaModel,
  TableModel,
  UnmanagedObject,
} from '../../model/types.js';
import type { InspectOutcome } from '../types.js';
import type { TenantContext } from '../../domain/tenant.js';
import type { Connection } from './connect.js';
import { quoteLiteral } from './connect.js';
import type { Flavor } from './flavor.js';
import {
  CHECK_TABLES,
  CHECKS_WITH_TABLE,
  CHECKS_WITHOUT_TABLE,
  COLLATION_CHARSETS,
  COLUMNS,
  DATABASES,
  EVENTS,
  FOREIGN_KEY_COLUMNS,
  FOREIGN_KEYS,
  ROUTINES,
  TABLES,
  TRIGGERS,
  chunkQuery,
  indexColumns,
  type ChunkQuery,
  type ChunkShape,
} from './queries.js';

/** What a tenant's read compares; anything else it holds is reported as unmanaged. */
export const COMPARED_KINDS: readonly string[] = [
  'tables',
  'columns (type, nullability, default, auto_increment, on update, generation, invisibility, charset, collation, comment)',
  'primary keys',
  'indexes (unique, prefix lengths, order, FULLTEXT/SPATIAL, ignored or invisible, comment)',
  'foreign keys (with their actions)',
  'check constraints',
  'table options (engine, row format, charset, collation, create options, comment)',
];

/**
 * Databases per round of catalog queries. MariaDB opens each table's definition for TABLES,
 * COLUMNS, STATISTICS and the constraint tables, and keeps the open tables (table_open_cache,
 * 2000 by default) for the next query: a chunk whose tables fit opens each definition once for
 * all its queries, a larger one again for every query. Over 200 Sakila databases (16 tables
 * each) on MariaDB 10.11, bench/mysql-inspect-chunks.ts read 3,200 definitions per run in chunks
 * of 25, 50 and 100, and 19,805 in chunks of 200. The time, on a shared 2-core machine, in
 * three runs of medians: 25: 2.5/6.6/6.7 s, 50: 3.4/4.3/4.7 s, 100: 4.5/6.1/4.6 s, 200:
 * 8.1/8.5/7.8 s. 50 keeps a chunk of tenants with up to 40 tables inside the default cache.
 */
export const DEFAULT_CHUNK_SIZE = 50;

export interface InspectOptions {
  readonly chunkSize?: number;
  /** How a chunk's databases are named in its queries: an IN list unless given (the bench compares both). */
  readonly shape?: ChunkShape;
}

type Row = mysql.RowDataPacket;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The collation -> charset table of each server, read once: it changes only with the server's version. */
const charsetsByFlavor = new WeakMap<Flavor, Promise<Map<string, string>>>();

function collationCharsets(connection: Connection, flavor: Flavor): Promise<Map<string, string>> {
  let found = charsetsByFlavor.get(flavor);
  if (!found) {
    found = connection.query<Row[]>(COLLATION_CHARSETS).then(([rows]) => new Map(rows.map((r) => [String(r['collation']), String(r['charset'])])));
    charsetsByFlavor.set(flavor, found);
    found.catch(() => charsetsByFlavor.delete(flavor));
  }
  return found;
}

/** What a batched read found: the models of the databases read, and those set aside with why. */
export interface BatchRead {
  readonly models: Map<string, SchemaModel>;
  readonly unreadable: ReadonlyMap<string, string>;
}

/**
 * The tenants' outcomes, a chunk of databases at a time on one connection: a database that does
 * not exist, or that the server could not read whole, gets a failed outcome saying so.
 */
export async function inspectOutcomes(
  connection: Connection,
  flavor: Flavor,
  tenants: readonly TenantContext[],
  options: InspectOptions = {},
): Promise<Map<string, InspectOutcome>> {
  const { models, unreadable } = await readDatabases(connection, flavor, tenants.map((t) => t.name), options);
  const outcomes = new Map<string, InspectOutcome>();
  for (const tenant of tenants) {
    const schema = models.get(tenant.name);
    const reason = unreadable.get(tenant.name);
    outcomes.set(tenant.name, schema ? { ok: true, schema } : { ok: false, error: `database ${JSON.stringify(tenant.name)} ${reason ?? 'does not exist'}` });
  }
  return outcomes;
}

/** The models of the databases that exist, keyed by name; throws when one could not be read whole. */
export async function inspectDatabases(connection: Connection, flavor: Flavor, databases: readonly string[], options: InspectOptions = {}): Promise<Map<string, SchemaModel>> {
  const { models, unreadable } = await readDatabases(connection, flavor, databases, options);
  const [first] = unreadable;
  if (first) throw new Error(`database ${JSON.stringify(first[0])} ${first[1]}`);
  return models;
}

/** The databases read a chunk at a time: the models of those that exist and could be read whole. */
export async function readDatabases(connection: Connection, flavor: Flavor, databases: readonly string[], options: InspectOptions = {}): Promise<BatchRead> {
  const size = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const shape = options.shape ?? 'in-list';
  const charsets = await collationCharsets(connection, flavor);
  const models = new Map<string, SchemaModel>();
  const unreadable = new Map<string, string>();
  const unique = [...new Set(databases)];
  for (let i = 0; i < unique.length; i += size) {
    const read = await inspectChunk(connection, flavor, unique.slice(i, i + size), shape, charsets);
    for (const [name, model] of read.models) models.set(name, model);
    for (const [name, reason] of read.unreadable) unreadable.set(name, reason);
  }
  return { models, unreadable };
}

/** One chunk's reads: where they run, and the server's warnings they raised. */
interface ReadContext {
  readonly connection: Connection;
  readonly shape: ChunkShape;
  readonly warnings: string[];
}

/**
 * Rows of one catalog query for the chunk. information_schema compares names without case
 * (utf8mb3_general_ci), so `Tenant` brings `tenant`'s rows too: only rows of a database asked
 * for by its exact name are kept. A table the server cannot open is left out of the rows with a
 * warning, not an error; the warnings are kept, so that such a tenant is never read as a schema
 * without that table (see unreadableTenants).
 */
async function read(ctx: ReadContext, query: ChunkQuery, databases: readonly string[]): Promise<Row[]> {
  const { sql, values } = chunkQuery(query, databases, ctx.shape);
  const [rows] = await ctx.connection.query<Row[]>(sql, values);
  const [warnings] = await ctx.connection.query<Row[]>('SHOW WARNINGS');
  for (const w of warnings) if (Number(w['Code']) !== VIEW_INVALID) ctx.warnings.push(`${String(w['Level'])} ${String(w['Code'])}: ${String(w['Message'])}`);
  const wanted = new Set(databases);
  return rows.filter((r) => wanted.has(String(r['db'])));
}

/** ER_VIEW_INVALID: a view whose tables or columns are gone. Views are not read (they are unmanaged), so it costs nothing. */
const VIEW_INVALID = 1356;

/**
 * The tenants a chunk's warnings leave unreadable, with the warnings: each warning belongs to
 * the databases it names (`'db.table'`, `` `db`.`table` ``, `./db/table.frm`), and one that names
 * none of them to every database of the chunk.
 */
export function unreadableTenants(warnings: readonly string[], databases: readonly string[]): Map<string, string> {
  const out = new Map<string, string[]>();
  for (const warning of warnings) {
    const named = databases.filter((db) => [`'${db}.`, `\`${db}\`.`, `/${db}/`, ` ${db}.`].some((form) => warning.includes(form)));
    for (const db of named.length > 0 ? named : databases) out.set(db, [...(out.get(db) ?? []), warning]);
  }
  return new Map([...out].map(([db, list]) => [db, `could not be read whole: the server warned ${list.join('; ')}`]));
}

const text = (value: unknown): string | undefined => (value === null || value === undefined ? undefined : Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

interface TableDraft {
  readonly name: string;
  readonly options: Record<string, string>;
  readonly comment?: string;
  readonly columns: { position: number; column: ColumnModel }[];
  readonly indexes: Map<string, Row[]>;
  readonly foreignKeys: ForeignKeyModel[];
  readonly checks: CheckModel[];
}

interface DatabaseDraft {
  readonly tables: Map<string, TableDraft>;
  readonly unmanaged: UnmanagedObject[];
}

async function inspectChunk(connection: Connection, flavor: Flavor, databases: readonly string[], shape: ChunkShape, charsets: ReadonlyMap<string, string>): Promise<BatchRead> {
  const ctx: ReadContext = { connection, shape, warnings: [] };
  const existing = await read(ctx, DATABASES, databases);
  const present = databases.filter((d) => existing.some((r) => r['db'] === d));
  const models = new Map<string, SchemaModel>();
  if (present.length === 0) return { models, unreadable: new Map() };
  const drafts = new Map<string, DatabaseDraft>(present.map((d) => [d, { tables: new Map(), unmanaged: [] }]));
  const draftOf = (row: Row) => drafts.get(String(row['db']))!;

  for (const row of await read(ctx, TABLES, present)) {
    const db = draftOf(row);
    const name = String(row['name']);
    const type = String(row['type']);
    if (type === 'VIEW') db.unmanaged.push({ kind: 'view', name });
    else if (type === 'SEQUENCE') db.unmanaged.push({ kind: 'sequence', name });
    else if (type !== 'BASE TABLE') db.unmanaged.push({ kind: type.toLowerCase(), name });
    else db.tables.set(name, tableDraft(row, charsets, db.unmanaged));
  }
  const tableOf = (row: Row, column = 'table') => draftOf(row).tables.get(String(row[column]));

  for (const row of await read(ctx, COLUMNS, present)) {
    const table = tableOf(row);
    if (table) table.columns.push({ position: Number(row['position']), column: columnOf(row, flavor, table.name, draftOf(row).unmanaged) });
  }
  for (const row of await read(ctx, indexColumns(flavor), present)) {
    const table = tableOf(row);
    if (!table) continue;
    const name = String(row['name']);
    const parts = table.indexes.get(name) ?? [];
    parts.push(row);
    table.indexes.set(name, parts);
  }
  await readForeignKeys(ctx, present, drafts);
  for (const check of await readChecks(ctx, flavor, present)) drafts.get(check.db)?.tables.get(check.table)?.checks.push(check.check);

  for (const row of await read(ctx, TRIGGERS, present)) {
    draftOf(row).unmanaged.push({ kind: 'trigger', name: String(row['name']), table: String(row['table']) });
  }
  for (const row of await read(ctx, ROUTINES, present)) {
    draftOf(row).unmanaged.push({ kind: String(row['type']).toLowerCase(), name: String(row['name']) });
  }
  for (const row of await read(ctx, EVENTS, present)) draftOf(row).unmanaged.push({ kind: 'event', name: String(row['name']) });

  const unreadable = unreadableTenants(ctx.warnings, present);
  for (const [name, draft] of drafts) if (!unreadable.has(name)) models.set(name, finish(draft));
  return { models, unreadable };
}

function tableDraft(row: Row, charsets: ReadonlyMap<string, string>, unmanaged: UnmanagedObject[]): TableDraft {
  const name = String(row['name']);
  const options: Record<string, string> = {};
  const engine = text(row['engine']);
  if (engine !== undefined) options['engine'] = engine;
  const rowFormat = text(row['row_format']);
  if (rowFormat !== undefined) options['rowFormat'] = rowFormat;
  const collation = text(row['collation']);
  if (collation !== undefined) {
    options['collation'] = collation;
    const charset = charsets.get(collation);
    if (charset !== undefined) options['charset'] = charset;
  }
  // CREATE_OPTIONS as the server prints it, `partitioned` aside: partitioning is not modeled yet.
  const createOptions = (text(row['create_options']) ?? '').split(/\s+/).filter((o) => o !== '');
  if (createOptions.includes('partitioned')) unmanaged.push({ kind: 'partitioning', name, table: name });
  const rest = createOptions.filter((o) => o !== 'partitioned');
  if (rest.length > 0) options['createOptions'] = rest.join(' ');
  const comment = text(row['comment']);
  return { name, options, ...(comment ? { comment } : {}), columns: [], indexes: new Map(), foreignKeys: [], checks: [] };
}

/** EXTRA's flags; what is left, after `on update`, is reported rather than dropped. */
const EXTRA_FLAGS = /\b(auto_increment|INVISIBLE|DEFAULT_GENERATED|VIRTUAL GENERATED|STORED GENERATED|PERSISTENT GENERATED)\b/gi;

function columnOf(row: Row, flavor: Flavor, table: string, unmanaged: UnmanagedObject[]): ColumnModel {
  const name = String(row['name']);
  const extra = text(row['extra']) ?? '';
  const flags = new Set([...extra.matchAll(EXTRA_FLAGS)].map((m) => m[1]!.toUpperCase()));
  const rest = extra.replace(EXTRA_FLAGS, '').replace(/^[\s,]+|[\s,]+$/g, '').replace(/\s*,\s*,\s*/g, ', ');
  const onUpdate = /^on update\s+(.+?)[\s,]*$/i.exec(rest)?.[1];
  if (rest !== '' && onUpdate === undefined) unmanaged.push({ kind: 'column attribute', name: `${table}.${name}: ${rest}`, table });
  const generation = text(row['generation']);
  const generated = [...flags].some((f) => f.endsWith(' GENERATED') && f !== 'DEFAULT_GENERATED') && generation !== undefined && generation !== '';
  const stored = flags.has('STORED GENERATED') || flags.has('PERSISTENT GENERATED');
  const value = generated ? undefined : defaultOf(text(row['default']), flavor, flags.has('DEFAULT_GENERATED'));
  const charset = text(row['charset']);
  const collation = text(row['collation']);
  const comment = text(row['comment']);
  return {
    name,
    type: String(row['type']),
    nullable: row['nullable'] === 'YES',
    ...(value !== undefined && { default: value }),
    ...(generated && { generated: generation }),
    ...(generated && !stored && { virtual: true as const }),
    ...(flags.has('AUTO_INCREMENT') && { autoIncrement: true as const }),
    ...(onUpdate !== undefined && { onUpdate }),
    ...(flags.has('INVISIBLE') && { invisible: true as const }),
    ...(charset !== undefined && { charset }),
    ...(collation !== undefined && { collation }),
    ...(comment ? { comment } : {}),
  };
}

/**
 * The default as SQL text. MariaDB prints SQL already; a NULL default (the word NULL, or SQL
 * NULL) is the same as none on a nullable column and impossible on another, so it is left out.
 * MySQL prints a literal bare, so it is quoted here, and an expression (DEFAULT_GENERATED) as is.
 */
function defaultOf(value: string | undefined, flavor: Flavor, expression: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (flavor.capabilities.defaultsAreSql) return value === 'NULL' ? undefined : value;
  return expression ? value : quoteLiteral(value);
}

async function readForeignKeys(ctx: ReadContext, databases: readonly string[], drafts: Map<string, DatabaseDraft>): Promise<void> {
  const parts = new Map<string, Row[]>();
  const key = (row: Row) => `${String(row['db'])}\0${String(row['table'])}\0${String(row['name'])}`;
  for (const row of await read(ctx, FOREIGN_KEY_COLUMNS, databases)) {
    const list = parts.get(key(row)) ?? [];
    list.push(row);
    parts.set(key(row), list);
  }
  for (const row of await read(ctx, FOREIGN_KEYS, databases)) {
    const db = drafts.get(String(row['db']))!;
    const table = db.tables.get(String(row['table']));
    if (!table) continue;
    const name = String(row['name']);
    const columns = (parts.get(key(row)) ?? []).sort((a, b) => Number(a['position']) - Number(b['position']));
    if (columns.some((c) => c['ref_db'] !== row['db'])) {
      // A tenant's schema is its own database: a reference out of it is the operator's, not the model's.
      db.unmanaged.push({ kind: 'foreign key to another database', name: `${table.name}.${name}`, table: table.name });
      continue;
    }
    table.foreignKeys.push({
      name,
      columns: columns.map((c) => String(c['column'])),
      refTable: String(row['ref_table']),
      refColumns: columns.map((c) => String(c['ref_column'])),
      onDelete: parseFkAction(row['on_delete']),
      onUpdate: parseFkAction(row['on_update']),
      deferrable: false,
      initiallyDeferred: false,
    });
  }
}

async function readChecks(
  ctx: ReadContext,
  flavor: Flavor,
  databases: readonly string[],
): Promise<{ db: string; table: string; check: CheckModel }[]> {
  const mode = flavor.capabilities.checkConstraints;
  if (mode === 'none') return [];
  if (mode === 'with-table') {
    return (await read(ctx, CHECKS_WITH_TABLE, databases)).map((row) => {
      const name = String(row['name']);
      const check: CheckModel = { name, expression: String(row['clause']), ...(row['level'] === 'Column' && { column: name }) };
      return { db: String(row['db']), table: String(row['table']), check };
    });
  }
  const tables = new Map<string, Row>();
  for (const row of await read(ctx, CHECK_TABLES, databases)) tables.set(`${String(row['db'])}\0${String(row['name'])}`, row);
  return (await read(ctx, CHECKS_WITHOUT_TABLE, databases)).flatMap((row) => {
    const owner = tables.get(`${String(row['db'])}\0${String(row['name'])}`);
    if (!owner) return [];
    const check: CheckModel = { name: String(row['name']), expression: String(row['clause']), ...(owner['enforced'] === 'NO' && { notEnforced: true as const }) };
    return [{ db: String(row['db']), table: String(owner['table']), check }];
  });
}

function keyOf(row: Row): IndexKey {
  const expression = text(row['expression']);
  const column = text(row['column']);
  const length = text(row['length']);
  return {
    ...(expression !== undefined && expression !== '' ? { expression } : { column: column ?? '' }),
    ...(row['order'] === 'D' && { descending: true as const }),
    ...(length !== undefined && { length: Number(length) }),
  };
}

function finish(draft: DatabaseDraft): SchemaModel {
  const tables: TableModel[] = [];
  for (const table of draft.tables.values()) {
    let primaryKey: PrimaryKeyModel | undefined;
    const indexes: IndexModel[] = [];
    for (const [name, rows] of table.indexes) {
      rows.sort((a, b) => Number(a['position']) - Number(b['position']));
      const keys = rows.map(keyOf);
      const first = rows[0]!;
      if (name === 'PRIMARY') {
        const plain = keys.every((k) => k.column !== undefined && k.length === undefined && k.descending !== true);
        primaryKey = { name, columns: keys.map((k) => k.column ?? ''), ...(!plain && { keys }) };
        continue;
      }
      const comment = text(first['comment']);
      indexes.push({
        name,
        unique: Number(first['non_unique']) === 0,
        method: String(first['method']),
        keys,
        include: [],
        ...(Number(first['ignored']) === 1 && { invisible: true as const }),
        ...(comment ? { comment } : {}),
      });
    }
    tables.push({
      name: table.name,
      columns: table.columns.sort((a, b) => a.position - b.position).map((c) => c.column),
      ...(primaryKey && { primaryKey }),
      uniques: [],
      indexes: indexes.sort((a, b) => compare(a.name, b.name)),
      foreignKeys: table.foreignKeys.sort((a, b) => compare(a.name, b.name)),
      checks: table.checks.sort((a, b) => compare(a.name, b.name)),
      ...(table.comment !== undefined && { comment: table.comment }),
      options: table.options,
    });
  }
  tables.sort((a, b) => compare(a.name, b.name));
  const unmanaged = draft.unmanaged.sort((a, b) => compare(a.kind, b.kind) || compare(a.table ?? '', b.table ?? '') || compare(a.name, b.name));
  return { tables, enums: [], sequences: [], ...(unmanaged.length > 0 && { unmanaged }) };
}
