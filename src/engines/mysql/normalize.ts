// The desired schema of a YAML manifest, put in the shape the MySQL model has. The spelling of
// types, defaults and expressions is left alone: the compile builds the schema on the server and
// the inspector reads back what the server printed (DESIGN.md invariant 2). What changes here is
// structure: an enum becomes the column type enum(...) (MySQL has no enum types), a unique
// constraint a unique index (the server keeps no other kind), an identity or serial column an
// AUTO_INCREMENT one, the primary key's name PRIMARY. What MySQL cannot hold (sequences,
// partitions, deferrable keys, partial indexes, comments on constraints, PostgreSQL's storage
// settings) is refused with the table and column named, so it fails once at plan time instead of
// tenant by tenant at apply. Idempotent.
import { UserError } from '../../errors.js';
import { byName } from '../../model/fingerprint.js';
import type { CheckModel, ColumnModel, EnumModel, ForeignKeyModel, IndexKey, IndexModel, SchemaModel, TableModel } from '../../model/types.js';
import { quoteLiteral } from './connect.js';

/** PostgreSQL's auto-numbering pseudo-types, as the MySQL type of the same range. */
const SERIAL_TYPES: Readonly<Record<string, string>> = { serial: 'int', serial4: 'int', bigserial: 'bigint', serial8: 'bigint', smallserial: 'smallint', serial2: 'smallint' };

/** Index methods, as the inspector reads them from STATISTICS.INDEX_TYPE. */
const METHODS: Readonly<Record<string, string>> = { btree: 'BTREE', hash: 'HASH', fulltext: 'FULLTEXT', spatial: 'SPATIAL', rtree: 'SPATIAL' };

/** The table options a manifest may give, each a string. */
const TABLE_OPTIONS = new Set(['engine', 'charset', 'collation', 'rowFormat', 'createOptions']);

function enumType(values: readonly string[]): string {
  return `enum(${values.map(quoteLiteral).join(',')})`;
}

function normalizeColumn(column: ColumnModel, table: TableModel, enums: ReadonlyMap<string, EnumModel>, problems: string[]): ColumnModel {
  const where = `${table.name}.${column.name}`;
  const pgOnly = (['statistics', 'storage', 'compression', 'options', 'identityOptions', 'identitySequenceName'] as const).filter((k) => column[k] !== undefined);
  if (pgOnly.length > 0) problems.push(`${where}: ${pgOnly.join(', ')} are PostgreSQL column settings; the mysql engine has none`);
  const written = column.type.trim();
  if (/\[\s*\d*\s*\]$/.test(written)) problems.push(`${where}: array type '${written}' is not supported by the mysql engine (use json)`);
  const enumDef = enums.get(written);
  const serial = SERIAL_TYPES[written.toLowerCase()];
  const type = enumDef ? enumType(enumDef.values) : (serial ?? written);
  const autoIncrement = column.autoIncrement === true || column.identity !== undefined || serial !== undefined;
  if (autoIncrement && column.default !== undefined) problems.push(`${where}: an AUTO_INCREMENT column cannot have a default`);
  const nullDefault = column.default !== undefined && /^\s*null\s*$/i.test(column.default);
  const {
    identity: _identity,
    statistics: _s,
    storage: _st,
    compression: _c,
    options: _o,
    identityOptions: _io,
    identitySequenceName: _isn,
    autoIncrement: _ai,
    default: _default,
    ...rest
  } = column;
  const primaryKey = table.primaryKey?.columns ?? [];
  return {
    ...rest,
    type,
    // The server makes every primary key and AUTO_INCREMENT column NOT NULL.
    nullable: column.nullable && !primaryKey.includes(column.name) && !autoIncrement,
    ...(column.default !== undefined && !nullDefault && { default: column.default }),
    ...(autoIncrement && { autoIncrement: true as const }),
  };
}

function normalizeKey(key: IndexKey, where: string, problems: string[]): IndexKey {
  if (key.collation !== undefined || key.opclass !== undefined || key.nulls !== undefined) {
    problems.push(`${where}: MySQL index keys have no collation, operator class or NULLS FIRST/LAST`);
  }
  const { collation: _c, opclass: _o, nulls: _n, ...rest } = key;
  return rest;
}

function normalizeIndex(index: IndexModel, table: string, problems: string[]): IndexModel {
  const where = `${table}: index ${index.name}`;
  const method = METHODS[index.method.toLowerCase()] ?? (Object.values(METHODS).includes(index.method) ? index.method : undefined);
  if (method === undefined) problems.push(`${where}: MySQL has no index method ${JSON.stringify(index.method)} (btree, hash, fulltext or spatial)`);
  if (index.where !== undefined) problems.push(`${where}: MySQL has no partial indexes`);
  if (index.include.length > 0) problems.push(`${where}: MySQL has no INCLUDE columns`);
  if (index.storageParameters !== undefined) problems.push(`${where}: storageParameters are PostgreSQL's`);
  const { storageParameters: _sp, where: _w, ...rest } = index;
  return { ...rest, method: method ?? index.method, keys: index.keys.map((k) => normalizeKey(k, where, problems)), include: [] };
}

function normalizeForeignKey(fk: ForeignKeyModel, table: string, problems: string[]): ForeignKeyModel {
  const where = `${table}: foreign key ${fk.name}`;
  if (fk.deferrable || fk.initiallyDeferred) problems.push(`${where}: MySQL checks foreign keys at once; it has no deferrable ones`);
  if (fk.match !== undefined) problems.push(`${where}: MySQL has no MATCH FULL`);
  if (fk.comment !== undefined) problems.push(`${where}: MySQL keeps no comment on a foreign key`);
  const { match: _m, comment: _c, notValid: _nv, ...rest } = fk;
  return { ...rest, deferrable: false, initiallyDeferred: false };
}

function normalizeCheck(check: CheckModel, table: string, problems: string[]): CheckModel {
  if (check.comment !== undefined) problems.push(`${table}: check ${check.name}: MySQL keeps no comment on a check`);
  const { comment: _c, notValid: _nv, ...rest } = check;
  return rest;
}

function normalizeOptions(table: TableModel, problems: string[]): Record<string, string> | undefined {
  const given = table.options ?? {};
  const options: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!TABLE_OPTIONS.has(key)) {
      problems.push(`${table.name}: unknown table option ${JSON.stringify(key)} (the mysql engine knows ${[...TABLE_OPTIONS].join(', ')})`);
      continue;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problems.push(`${table.name}: the table option ${key} is a name, such as InnoDB or utf8mb4`);
      continue;
    }
    options[key] = value.trim();
  }
  // A row format written in the manifest is a create option, as the server records it.
  const rowFormat = options['rowFormat'];
  if (rowFormat !== undefined && !/\brow_format=/i.test(options['createOptions'] ?? '')) {
    options['createOptions'] = [options['createOptions'], `row_format=${rowFormat.toUpperCase()}`].filter(Boolean).join(' ');
  }
  return Object.keys(options).length > 0 ? options : undefined;
}

function normalizeTable(table: TableModel, enums: ReadonlyMap<string, EnumModel>, problems: string[]): TableModel {
  const pgOnly = (['partitionBy', 'partitionOf', 'inherits', 'unlogged', 'storageParameters', 'clusterOn', 'replicaIdentity', 'rowSecurity', 'forceRowSecurity'] as const).filter((k) => table[k] !== undefined);
  if (pgOnly.length > 0) problems.push(`${table.name}: ${pgOnly.join(', ')} are PostgreSQL's; the mysql engine does not manage them`);
  if ((table.exclusions ?? []).length > 0) problems.push(`${table.name}: MySQL has no exclusion constraints`);
  if (table.primaryKey?.comment !== undefined) problems.push(`${table.name}: MySQL keeps no comment on a primary key`);
  const uniques: IndexModel[] = (table.uniques ?? []).map((u) => {
    if (u.deferrable || u.initiallyDeferred || u.nullsNotDistinct) problems.push(`${table.name}: unique ${u.name}: MySQL has no deferrable or NULLS NOT DISTINCT uniques`);
    return { name: u.name, unique: true, method: 'BTREE', keys: u.columns.map((column) => ({ column })), include: [], ...(u.comment !== undefined && { comment: u.comment }) };
  });
  const options = normalizeOptions(table, problems);
  return {
    name: table.name,
    columns: table.columns.map((c) => normalizeColumn(c, table, enums, problems)),
    ...(table.primaryKey && {
      primaryKey: { name: 'PRIMARY', columns: [...table.primaryKey.columns], ...(table.primaryKey.keys && { keys: table.primaryKey.keys.map((k) => normalizeKey(k, `${table.name}: primary key`, problems)) }) },
    }),
    uniques: [],
    indexes: byName([...(table.indexes ?? []).map((i) => normalizeIndex(i, table.name, problems)), ...uniques]),
    foreignKeys: byName((table.foreignKeys ?? []).map((f) => normalizeForeignKey(f, table.name, problems))),
    checks: byName((table.checks ?? []).map((c) => normalizeCheck(c, table.name, problems))),
    ...(table.comment !== undefined && { comment: table.comment }),
    ...(options !== undefined && { options }),
  };
}

/**
 * Puts a desired schema written by a person in the MySQL model's shape; throws a UserError listing
 * everything MySQL cannot hold, each naming its table and column.
 */
export function normalizeSchema(schema: SchemaModel): SchemaModel {
  const problems: string[] = [];
  if ((schema.sequences ?? []).length > 0) {
    problems.push(`sequences are not managed by the mysql engine (${schema.sequences.map((s) => s.name).join(', ')}): use an AUTO_INCREMENT column (identity: by default)`);
  }
  if ((schema.objects ?? []).length > 0) problems.push('views, routines and triggers are not managed by the mysql engine yet: leave them out of the manifest');
  if ((schema.grants ?? []).length > 0) problems.push('grants are not managed by the mysql engine');
  const enums = new Map((schema.enums ?? []).map((e) => [e.name, e]));
  const tables = byName(schema.tables.map((t) => normalizeTable(t, enums, problems)));
  if (problems.length > 0) throw new UserError(problems.length === 1 ? problems[0]! : `the mysql engine cannot hold:\n  ${problems.join('\n  ')}`);
  return {
    tables,
    enums: [],
    sequences: [],
    ...(schema.externalTypes !== undefined && { externalTypes: [...new Set(schema.externalTypes)].sort() }),
    ...(schema.unmanaged !== undefined && { unmanaged: schema.unmanaged }),
  };
}

/**
 * The inverse sugar, for writing a manifest from an inspected schema: an AUTO_INCREMENT column is
 * written as an identity column, which reads back as AUTO_INCREMENT.
 */
export function toManifestSchema(schema: SchemaModel): SchemaModel {
  return {
    ...schema,
    tables: schema.tables.map((t) => ({
      ...t,
      columns: t.columns.map((c) => {
        if (!c.autoIncrement) return c;
        const { autoIncrement: _ai, ...rest } = c;
        return { ...rest, identity: 'by default' as const };
      }),
    })),
  };
}
