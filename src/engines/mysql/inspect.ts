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
import type { InspectOutcome, TenantContext } from '../types.js';
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
 * Databases per round of catalog queries. Over 200 Sakila databases on MariaDB 10.11
 * (bench/mysql-inspect-chunks.ts, a loaded 2-core machine) 50 and 100 were fastest (about 7 s
 * for all 200), 25 slowest (9-14 s), 200 in between (8 s).
 */
export const DEFAULT_CHUNK_SIZE = 100;

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

/**
 * The tenants' outcomes, a chunk of databases at a time on one connection: a database that does
 * not exist gets a failed outcome naming it.
 */
export async function inspectOutcomes(
  connection: Connection,
  flavor: Flavor,
  tenants: readonly TenantContext[],
  options: InspectOptions = {},
): Promise<Map<string, InspectOutcome>> {
  const models = await inspectDatabases(connection, flavor, tenants.map((t) => t.name), options);
  const outcomes = new Map<string, InspectOutcome>();
  for (const tenant of tenants) {
    const schema = models.get(tenant.name);
    outcomes.set(tenant.name, schema ? { ok: true, schema } : { ok: false, error: `database ${JSON.stringify(tenant.name)} does not exist` });
  }
  return outcomes;
}

/** The models of the databases that exist, keyed by name, read a chunk at a time. */
export async function inspectDatabases(connection: Connection, flavor: Flavor, databases: readonly string[], options: InspectOptions = {}): Promise<Map<string, SchemaModel>> {
  const size = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const shape = options.shape ?? 'in-list';
  const charsets = await collationCharsets(connection, flavor);
  const models = new Map<string, SchemaModel>();
  const unique = [...new Set(databases)];
  for (let i = 0; i < unique.length; i += size) {
    for (const [name, model] of await inspectChunk(connection, flavor, unique.slice(i, i + size), shape, charsets)) models.set(name, model);
  }
  return models;
}

/**
 * Rows of one catalog query for the chunk. information_schema compares names without case
 * (utf8mb3_general_ci), so `Tenant` brings `tenant`'s rows too: only rows of a database asked
 * for by its exact name are kept.
 */
async function read(connection: Connection, query: ChunkQuery, databases: readonly string[], shape: ChunkShape): Promise<Row[]> {
  const { sql, values } = chunkQuery(query, databases, shape);
  const [rows] = await connection.query<Row[]>(sql, values);
  const wanted = new Set(databases);
  return rows.filter((r) => wanted.has(String(r['db'])));
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

async function inspectChunk(connection: Connection, flavor: Flavor, databases: readonly string[], shape: ChunkShape, charsets: ReadonlyMap<string, string>): Promise<Map<string, SchemaModel>> {
  const existing = await read(connection, DATABASES, databases, shape);
  const present = databases.filter((d) => existing.some((r) => r['db'] === d));
  const models = new Map<string, SchemaModel>();
  if (present.length === 0) return models;
  const drafts = new Map<string, DatabaseDraft>(present.map((d) => [d, { tables: new Map(), unmanaged: [] }]));
  const draftOf = (row: Row) => drafts.get(String(row['db']))!;

  for (const row of await read(connection, TABLES, present, shape)) {
    const db = draftOf(row);
    const name = String(row['name']);
    const type = String(row['type']);
    if (type === 'VIEW') db.unmanaged.push({ kind: 'view', name });
    else if (type === 'SEQUENCE') db.unmanaged.push({ kind: 'sequence', name });
    else if (type !== 'BASE TABLE') db.unmanaged.push({ kind: type.toLowerCase(), name });
    else db.tables.set(name, tableDraft(row, charsets, db.unmanaged));
  }
  const tableOf = (row: Row, column = 'table') => draftOf(row).tables.get(String(row[column]));

  for (const row of await read(connection, COLUMNS, present, shape)) {
    const table = tableOf(row);
    if (table) table.columns.push({ position: Number(row['position']), column: columnOf(row, flavor, table.name, draftOf(row).unmanaged) });
  }
  for (const row of await read(connection, indexColumns(flavor), present, shape)) {
    const table = tableOf(row);
    if (!table) continue;
    const name = String(row['name']);
    const parts = table.indexes.get(name) ?? [];
    parts.push(row);
    table.indexes.set(name, parts);
  }
  await readForeignKeys(connection, present, shape, drafts);
  for (const check of await readChecks(connection, flavor, present, shape)) drafts.get(check.db)?.tables.get(check.table)?.checks.push(check.check);

  for (const row of await read(connection, TRIGGERS, present, shape)) {
    draftOf(row).unmanaged.push({ kind: 'trigger', name: String(row['name']), table: String(row['table']) });
  }
  for (const row of await read(connection, ROUTINES, present, shape)) {
    draftOf(row).unmanaged.push({ kind: String(row['type']).toLowerCase(), name: String(row['name']) });
  }
  for (const row of await read(connection, EVENTS, present, shape)) draftOf(row).unmanaged.push({ kind: 'event', name: String(row['name']) });

  for (const [name, draft] of drafts) models.set(name, finish(draft));
  return models;
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

async function readForeignKeys(connection: Connection, databases: readonly string[], shape: ChunkShape, drafts: Map<string, DatabaseDraft>): Promise<void> {
  const parts = new Map<string, Row[]>();
  const key = (row: Row) => `${String(row['db'])}\0${String(row['table'])}\0${String(row['name'])}`;
  for (const row of await read(connection, FOREIGN_KEY_COLUMNS, databases, shape)) {
    const list = parts.get(key(row)) ?? [];
    list.push(row);
    parts.set(key(row), list);
  }
  for (const row of await read(connection, FOREIGN_KEYS, databases, shape)) {
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
  connection: Connection,
  flavor: Flavor,
  databases: readonly string[],
  shape: ChunkShape,
): Promise<{ db: string; table: string; check: CheckModel }[]> {
  const mode = flavor.capabilities.checkConstraints;
  if (mode === 'none') return [];
  if (mode === 'with-table') {
    return (await read(connection, CHECKS_WITH_TABLE, databases, shape)).map((row) => {
      const name = String(row['name']);
      const check: CheckModel = { name, expression: String(row['clause']), ...(row['level'] === 'Column' && { column: name }) };
      return { db: String(row['db']), table: String(row['table']), check };
    });
  }
  const tables = new Map<string, Row>();
  for (const row of await read(connection, CHECK_TABLES, databases, shape)) tables.set(`${String(row['db'])}\0${String(row['name'])}`, row);
  return (await read(connection, CHECKS_WITHOUT_TABLE, databases, shape)).flatMap((row) => {
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
