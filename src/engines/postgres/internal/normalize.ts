// The shape of a desired schema written by a person, before the server compiles it (compile.ts):
// names and defaults a manifest may leave out, and serial columns as the integer column + owned
// sequence + nextval default PostgreSQL really creates. Types and expressions are left exactly as
// written: the server reads them, and the inspector prints them back (DESIGN.md invariant 2).
import { byName } from '../../../model/fingerprint.js';
import { parseFkAction } from '../../../model/fk-action.js';
import type {
    ColumnModel,
  ForeignKeyModel,
  IndexKey,
  IndexModel,
  SchemaModel,
  SequenceModel,
  TableModel,
  UniqueModel,
} from '../../../model/types.js';
import { own } from '../../../util/own.js';
import { UserError } from '../../../errors.js';
import { quoteIdent } from './connect.js';
import { makeObjectName } from '../../shared/names.js';

// ---------------------------------------------------------------------------------------------
// Serial columns and sequences

type SequenceType = SequenceModel['type'];

/** serial and its aliases, as PostgreSQL's parser recognizes them (case-insensitive, unquoted). */
const SERIAL_TYPES: Readonly<Record<string, SequenceType>> = {
  smallserial: 'smallint',
  serial2: 'smallint',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
};

const SEQUENCE_LIMITS: Readonly<Record<SequenceType, { readonly min: string; readonly max: string }>> = {
  smallint: { min: '-32768', max: '32767' },
  integer: { min: '-2147483648', max: '2147483647' },
  bigint: { min: '-9223372036854775808', max: '9223372036854775807' },
};

/** The sequence PostgreSQL makes for a serial column: `<table>_<column>_seq`, cut as makeObjectName cuts it. */
export function serialSequenceName(table: string, column: string): string {
  return makeObjectName(table, column, 'seq');
}

/** The default PostgreSQL gives a serial column: nextval of its sequence as a regclass. */
function nextvalDefault(sequence: string): string {
  const name = /^[a-z_][a-z0-9_]*$/.test(sequence) ? sequence : quoteIdent(sequence);
  return `nextval('${name.replace(/'/g, "''")}'::regclass)`;
}

function canonicalInteger(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value).toString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!/^[+-]?\d+$/.test(text)) return text === '' ? undefined : text;
  return BigInt(text).toString();
}

function sequenceType(value: unknown): SequenceType {
  // The manifest reader has already spelled it as one of the three (to-model.ts).
  return value === 'smallint' || value === 'integer' || value === 'bigint' ? value : 'bigint';
}

/** CREATE SEQUENCE defaults for whatever the manifest left out. */
function normalizeSequence(sequence: SequenceModel): SequenceModel {
  const type = sequenceType(sequence.type);
  const limits = SEQUENCE_LIMITS[type];
  const increment = canonicalInteger(sequence.increment) ?? '1';
  const ascending = !increment.startsWith('-');
  const minValue = canonicalInteger(sequence.minValue) ?? (ascending ? '1' : limits.min);
  const maxValue = canonicalInteger(sequence.maxValue) ?? (ascending ? limits.max : '-1');
  const start = canonicalInteger(sequence.start) ?? (ascending ? minValue : maxValue);
  return {
    name: sequence.name,
    type,
    start,
    increment,
    minValue,
    maxValue,
    cache: canonicalInteger(sequence.cache) ?? '1',
    cycle: sequence.cycle === true,
    ...(sequence.ownedBy ? { ownedBy: { table: sequence.ownedBy.table, column: sequence.ownedBy.column } } : {}),
    ...(sequence.unlogged === true ? { unlogged: true as const } : {}),
    ...(sequence.comment !== undefined ? { comment: sequence.comment } : {}),
  };
}

function serialSequence(name: string, type: SequenceType, table: string, column: string): SequenceModel {
  return {
    name,
    type,
    start: '1',
    increment: '1',
    minValue: '1',
    maxValue: SEQUENCE_LIMITS[type].max,
    cache: '1',
    cycle: false,
    ownedBy: { table, column },
  };
}

function hasSerialOptions(sequence: SequenceModel, type: SequenceType): boolean {
  const s = normalizeSequence(sequence);
  return (
    s.type === type &&
    s.start === '1' &&
    s.increment === '1' &&
    s.minValue === '1' &&
    s.maxValue === SEQUENCE_LIMITS[type].max &&
    s.cache === '1' &&
    !s.cycle &&
    s.unlogged !== true &&
    s.comment === undefined
  );
}

// ---------------------------------------------------------------------------------------------
// Schema


interface TableContext {
  readonly table: TableModel;
  readonly primaryKey: ReadonlySet<string>;
}

function normalizeColumn(column: ColumnModel, ctx: TableContext, addSequence: (s: SequenceModel) => void): ColumnModel {
  const { name, identity, collation, comment, statistics, storage, compression, options, identityOptions, identitySequenceName } = column;
  let type = column.type.trim();
  let nullable: boolean;
  let defaultValue: string | undefined;
  const serialType = own(SERIAL_TYPES, type.toLowerCase());
  if (serialType !== undefined) {
    // serial is not a type: PostgreSQL creates an integer column, an owned sequence and a default.
    const sequence = serialSequenceName(ctx.table.name, name);
    addSequence(serialSequence(sequence, serialType, ctx.table.name, name));
    type = serialType;
    nullable = false;
    defaultValue = nextvalDefault(sequence);
  } else {
    const raw: unknown = column.default;
    defaultValue = raw === undefined || raw === null ? undefined : String(raw);
    // Primary-key and identity columns are NOT NULL whatever the manifest says.
    nullable = column.nullable !== false && !ctx.primaryKey.has(name) && identity === undefined;
  }
  const generated = column.generated ? column.generated : undefined;
  return {
    name,
    type,
    nullable,
    ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    ...(identity !== undefined ? { identity } : {}),
    ...(generated !== undefined ? { generated } : {}),
    ...(collation !== undefined ? { collation } : {}),
    ...(comment !== undefined ? { comment } : {}),
    ...(statistics !== undefined ? { statistics } : {}),
    ...(storage !== undefined ? { storage } : {}),
    ...(compression !== undefined ? { compression } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(identityOptions !== undefined ? { identityOptions } : {}),
    ...(identitySequenceName !== undefined ? { identitySequenceName } : {}),
  };
}

function normalizeIndexKey(key: IndexKey): IndexKey {
  const { column, expression, descending, nulls, ...rest } = key;
  const target: { column: string } | { expression: string } = expression !== undefined ? { expression } : { column: column ?? '' };
  const desc = descending === true;
  // NULLS LAST is the default for ASC and NULLS FIRST for DESC; pg_get_indexdef omits defaults.
  const nullsOrder = nulls?.toLowerCase();
  const explicitNulls = (desc && nullsOrder === 'last') || (!desc && nullsOrder === 'first') ? nullsOrder : undefined;
  return {
    ...target,
    ...(desc ? { descending: true } : {}),
    ...(explicitNulls !== undefined ? { nulls: explicitNulls } : {}),
    ...rest,
  };
}

function normalizeIndex(index: IndexModel): IndexModel {
  const hasWhere = index.where !== undefined && index.where.trim() !== '';
  const where = hasWhere ? index.where : undefined;
  const { where: _where, ...rest } = index;
  return {
    ...rest,
    unique: index.unique === true,
    method: (index.method ?? '').trim().toLowerCase() || 'btree',
    keys: (index.keys ?? []).map(normalizeIndexKey),
    include: [...(index.include ?? [])],
    ...(where !== undefined ? { where } : {}),
  };
}

function normalizeUnique(unique: UniqueModel): UniqueModel {
  const { nullsNotDistinct, deferrable, initiallyDeferred, ...rest } = unique;
  return {
    ...rest,
    columns: [...unique.columns],
    ...(nullsNotDistinct === true ? { nullsNotDistinct: true } : {}),
    ...(deferrable === true ? { deferrable: true } : {}),
    ...(initiallyDeferred === true ? { initiallyDeferred: true } : {}),
  };
}

function normalizeForeignKey(fk: ForeignKeyModel, tables: ReadonlyMap<string, TableModel>): ForeignKeyModel {
  const { match, ...rest } = fk;
  let refColumns = [...(fk.refColumns ?? [])];
  // REFERENCES t without columns means t's primary key.
  if (refColumns.length === 0) refColumns = [...(tables.get(fk.refTable)?.primaryKey?.columns ?? [])];
  return {
    ...rest,
    columns: [...fk.columns],
    refColumns,
    onDelete: parseFkAction(fk.onDelete),
    onUpdate: parseFkAction(fk.onUpdate),
    ...(typeof match === 'string' && match.toLowerCase() === 'full' ? { match: 'full' as const } : {}),
    deferrable: fk.deferrable === true,
    initiallyDeferred: fk.initiallyDeferred === true,
  };
}


function normalizeTable(
  table: TableModel,
  tables: ReadonlyMap<string, TableModel>,
  addSequence: (s: SequenceModel) => void,
): TableModel {
  const ctx: TableContext = { table, primaryKey: new Set(table.primaryKey?.columns ?? []) };
  return {
    ...table,
    columns: table.columns.map((c) => normalizeColumn(c, ctx, addSequence)),
    ...(table.primaryKey ? { primaryKey: { ...table.primaryKey, columns: [...table.primaryKey.columns] } } : {}),
    uniques: byName((table.uniques ?? []).map(normalizeUnique)),
    indexes: byName((table.indexes ?? []).map(normalizeIndex)),
    foreignKeys: byName((table.foreignKeys ?? []).map((f) => normalizeForeignKey(f, tables))),
    checks: byName([...(table.checks ?? [])]),
  };
}

/** Completes a desired schema written by a person (names, sequence options, serial) for the compile. */
export function normalizeSchema(schema: SchemaModel): SchemaModel {
  const virtual = schema.tables.flatMap((t) => t.columns.filter((c) => c.virtual).map((c) => `tables.${t.name}.columns.${c.name}`));
  if (virtual.length > 0) {
    // Accepting it as stored would plan one thing and report another forever after.
    throw new UserError(`virtual generated columns need PostgreSQL 18; this engine stores them: remove 'virtual: true' from ${virtual.join(', ')}`);
  }
  const tablesByName = new Map(schema.tables.map((t) => [t.name, t]));
  const sequences = new Map<string, SequenceModel>();
  for (const s of schema.sequences ?? []) sequences.set(s.name, normalizeSequence(s));
  const addSequence = (s: SequenceModel): void => {
    if (!sequences.has(s.name)) sequences.set(s.name, s);
  };
  const tables = byName(schema.tables.map((t) => normalizeTable(t, tablesByName, addSequence)));
  const result: SchemaModel = {
    ...schema,
    tables,
    enums: byName((schema.enums ?? []).map((e) => ({ ...e, values: [...e.values] }))),
    sequences: byName([...sequences.values()]),
  };
  const extras: { externalTypes?: string[]; unmanaged?: SchemaModel['unmanaged'] } = {};
  if (schema.externalTypes) extras.externalTypes = [...new Set(schema.externalTypes.map((t) => t.trim()))].sort();
  if (schema.unmanaged) {
    extras.unmanaged = [...schema.unmanaged].sort((a, b) =>
      a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
  }
  return { ...result, ...extras };
}

/** The inverse sugar for writing a manifest: serial columns, default sequence options. */
export function toManifestSchema(schema: SchemaModel): SchemaModel {
  const sequences = new Map(schema.sequences.map((s) => [s.name, s]));
  const absorbed = new Set<string>();
  const serialFor: Readonly<Record<SequenceType, string>> = { smallint: 'smallserial', integer: 'serial', bigint: 'bigserial' };
  const tables = schema.tables.map((table) => {
    const columns = table.columns.map((column) => {
      const type = column.type;
      if (type !== 'smallint' && type !== 'integer' && type !== 'bigint') return column;
      if (column.nullable || column.identity !== undefined || column.generated !== undefined) return column;
      const name = serialSequenceName(table.name, column.name);
      const sequence = sequences.get(name);
      if (column.default !== nextvalDefault(name) || sequence === undefined) return column;
      if (sequence.ownedBy?.table !== table.name || sequence.ownedBy.column !== column.name) return column;
      if (!hasSerialOptions(sequence, type)) return column;
      absorbed.add(name);
      const { default: _default, ...rest } = column;
      return { ...rest, type: serialFor[type] };
    });
    return { ...table, columns };
  });
  return { ...schema, tables, sequences: schema.sequences.filter((s) => !absorbed.has(s.name)) };
}
