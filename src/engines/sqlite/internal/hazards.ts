// Hazards of SQLite steps, and what the renderer and the rebuild planner read of names and defaults.
// SQLite changes a table's schema in one of two ways: an O(1) catalog edit (RENAME, ADD COLUMN,
// DROP COLUMN, CREATE/DROP INDEX) or the documented table rebuild, which copies every row.
import { canonicalJson } from '../../../model/canonical-json.js';
import type { ColumnModel, TableModel } from '../../../model/types.js';
import type { Hazard, HazardCode } from '../../../plan/hazards.js';
import { own } from '../../../util/own.js';
import { matchingParen, sqlTokens, type SqlToken } from './sql-tokens.js';

export function hazard(code: HazardCode, message: string): Hazard {
  return { code, message };
}

export function uniqueHazards(hazards: readonly Hazard[]): Hazard[] {
  const seen = new Set<string>();
  return hazards.filter((h) => {
    const key = `${h.code}\0${h.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Names in SQL text, read with the engine's tokenizer (sql-tokens.ts).

/** The name an identifier token stands for, unquoted; undefined for any other token. */
export function identifierName(token: SqlToken): string | undefined {
  return token.kind === 'word' || token.kind === 'ident' ? token.value : undefined;
}

/** SQLite compares names without regard to ASCII case. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** True when an expression names the identifier anywhere (conservative: any token with that name). */
export function mentionsIdentifier(expr: string, name: string): boolean {
  return sqlTokens(expr).some((t) => {
    const value = identifierName(t);
    return value !== undefined && sameName(value, name);
  });
}

/** True when the whole expression is one parenthesized group: `(datetime('now'))`. */
export function isParenthesized(expr: string): boolean {
  const tokens = sqlTokens(expr);
  return tokens[0]?.kind === '(' && matchingParen(tokens, 0) === tokens.length - 1;
}

const signedNumber = /^[+-]?(?:\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]+)$/;
const stringLiteral = /^'(?:[^']|'')*'$/;
const blobLiteral = /^[xX]'[0-9a-fA-F]*'$/;
const timeKeywords = /^(?:current_timestamp|current_date|current_time)$/i;

/** A default SQLite takes without parentheses and evaluates once: a literal, never an expression. */
export function isConstantLiteral(expr: string): boolean {
  const e = expr.trim();
  return signedNumber.test(e) || stringLiteral.test(e) || blobLiteral.test(e) || /^(?:null|true|false)$/i.test(e);
}

/** What CREATE TABLE accepts after DEFAULT without parentheses. */
export function isBareDefault(expr: string): boolean {
  return isConstantLiteral(expr) || timeKeywords.test(expr.trim());
}

export function isNullDefault(expr: string | undefined): boolean {
  return expr === undefined || /^null$/i.test(expr.trim());
}

// ---------------------------------------------------------------------------------------------
// Type affinity (https://www.sqlite.org/datatype3.html, section 3.1): the rules that decide how a
// value is stored, and so whether a type change can alter or reject existing values.

export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

export function affinity(type: string): Affinity {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t.includes('BLOB') || t.trim() === '') return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

/**
 * A type change narrows when the new affinity converts values the old one kept as they were:
 * to a numeric affinity from TEXT or BLOB ('007' becomes 7), or from REAL or NUMERIC to INTEGER
 * (2.0 becomes 2). INTEGER -> REAL or NUMERIC, and anything -> TEXT or BLOB, keep every value.
 */
export function narrows(from: string, to: string): boolean {
  const a = affinity(from);
  const b = affinity(to);
  if (a === b || b === 'TEXT' || b === 'BLOB') return false;
  if (a === 'INTEGER') return false;
  if (a === 'REAL' && b === 'NUMERIC') return false;
  return true;
}

/** The INTEGER PRIMARY KEY column that aliases the rowid, if the table has one. */
export function rowidAlias(table: TableModel): ColumnModel | undefined {
  if (table.options?.['withoutRowid'] === true) return undefined;
  const pk = table.primaryKey;
  if (!pk || pk.columns.length !== 1) return undefined;
  const column = table.columns.find((c) => c.name === pk.columns[0]);
  return column && column.type.trim().toUpperCase() === 'INTEGER' ? column : undefined;
}

// ---------------------------------------------------------------------------------------------
// Hazards per step. Names are plain words, used only in messages.

export function dropTableHazards(table: string): Hazard[] {
  return [hazard('DELETES_DATA', `drops table ${table} and all its rows`)];
}

export function dropColumnHazards(table: string, column: string): Hazard[] {
  return [hazard('DELETES_DATA', `drops column ${table}.${column} and its values`)];
}

export function addIndexHazards(table: string, index: string, unique: boolean): Hazard[] {
  const hazards = [hazard('INDEX_BUILD', `builds index ${index} on ${table}; the database file is locked for writes during the build`)];
  if (unique) hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', `unique index ${index} fails if ${table} holds duplicates`));
  return hazards;
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * A rebuild copies every row into the new shape. It deletes data when a current column has no
 * place in the new shape, and fails when a copied row breaks a constraint the old shape lacked.
 */
export function rebuildHazards(from: TableModel, to: TableModel, copy: Readonly<Record<string, string>>): Hazard[] {
  const name = to.name;
  const hazards: Hazard[] = [hazard('REWRITES_TABLE', `rebuilds table ${name}: every row is copied into a new table, which is then renamed`)];
  const copied = new Set(Object.values(copy));
  for (const column of from.columns) {
    if (!copied.has(column.name)) hazards.push(hazard('DELETES_DATA', `drops column ${name}.${column.name} and its values`));
  }
  const mayFail = (message: string) => hazards.push(hazard('MAY_FAIL_ON_EXISTING_ROWS', message));
  const strict = to.options?.['strict'] === true;
  for (const column of to.columns) {
    if (column.generated !== undefined) continue;
    const source = own(copy, column.name);
    const old = source === undefined ? undefined : from.columns.find((c) => c.name === source);
    if (!old) {
      if (!column.nullable && isNullDefault(column.default)) mayFail(`new NOT NULL column ${name}.${column.name} has no default; fails if ${name} has rows`);
      continue;
    }
    // INSERT ... SELECT writes the NULLs explicitly, so a default does not replace them.
    if (!column.nullable && old.nullable) mayFail(`NOT NULL on ${name}.${column.name} fails if it holds NULLs`);
    if (old.type !== column.type) {
      if (strict) mayFail(`in a STRICT table, values of ${name}.${column.name} that are not ${column.type || 'ANY'} fail (type ${old.type || 'none'} -> ${column.type || 'none'})`);
      else if (narrows(old.type, column.type)) {
        mayFail(
          `type of ${name}.${column.name} narrows (${affinity(old.type)} -> ${affinity(column.type)} affinity): values that look like numbers are converted, ` +
            'and a constraint on the converted values may fail',
        );
      }
    }
  }
  if (strict && from.options?.['strict'] !== true) mayFail(`STRICT fails if ${name} holds values that do not match their column's type`);
  if (to.options?.['withoutRowid'] === true && from.options?.['withoutRowid'] !== true) {
    mayFail(`WITHOUT ROWID fails if the primary key of ${name} holds NULLs or duplicates`);
  }
  // Old column names in the new shape's terms; a column that is not copied matches nothing.
  const renamed = (columns: readonly string[]) => columns.map((c) => Object.entries(copy).find(([, old]) => old === c)?.[0] ?? `\0${c}`);
  if (to.primaryKey && !sameJson(from.primaryKey ? renamed(from.primaryKey.columns) : null, to.primaryKey.columns)) {
    mayFail(`primary key ${to.primaryKey.name || '(unnamed)'} fails if ${name} holds duplicates${rowidAlias(to) ? ' or non-integer values' : ''}`);
  }
  for (const unique of to.uniques) {
    if (!from.uniques.some((u) => sameJson(renamed(u.columns), unique.columns))) mayFail(`unique ${unique.name} fails if ${name} holds duplicates`);
  }
  for (const index of to.indexes) {
    if (!index.unique) continue;
    const before = from.indexes.find((i) => i.name === index.name);
    if (!before || !sameJson({ ...before, keys: before.keys.map((k) => (k.column !== undefined ? { ...k, column: renamed([k.column])[0] } : k)) }, index)) {
      mayFail(`unique index ${index.name} fails if ${name} holds duplicates`);
    }
  }
  for (const check of to.checks) {
    if (!from.checks.some((c) => c.name === check.name && c.expression === check.expression)) mayFail(`check ${check.name} fails if existing rows of ${name} violate it`);
  }
  for (const fk of to.foreignKeys) {
    const before = from.foreignKeys.find((f) => sameJson({ ...f, name: '', columns: renamed(f.columns) }, { ...fk, name: '' }));
    if (!before) mayFail(`foreign key ${fk.name} fails (foreign_key_check) if rows of ${name} have no parent in ${fk.refTable}`);
  }
  return uniqueHazards(hazards);
}
