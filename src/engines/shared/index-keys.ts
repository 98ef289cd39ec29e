// An index key written as a string in PostgreSQL's spelling: `name`, `"Mixed Name"`,
// `name DESC NULLS LAST`, `name COLLATE "C" text_pattern_ops`, or anything else, which is an SQL
// expression (`lower(email)`, optionally followed by ASC/DESC and NULLS FIRST/LAST). The
// PostgreSQL engine reads keys so; the SQLite engine, whose key grammar is a part of it, reads
// them the same way, so one manifest reads alike on both (its normalizer names what SQLite cannot
// build: an operator class, NULLS out of SQLite's order).
import type { IndexKeySyntax } from '../types.js';
import type { IndexKey } from '../../model/types.js';

const IDENT = String.raw`(?:[\p{L}_][\p{L}\p{N}_$]*|"(?:[^"]|"")+")`;
const ORDER = String.raw`(?:\s+(ASC|DESC))?(?:\s+NULLS\s+(FIRST|LAST))?`;
const COLUMN_KEY = new RegExp(
  String.raw`^\s*(${IDENT})(?:\s+COLLATE\s+(${IDENT}))?(?:\s+(?!(?:ASC|DESC|NULLS|COLLATE)\b)(${IDENT}))?${ORDER}\s*$`,
  'iu',
);
const EXPRESSION_SUFFIX = /^([\s\S]*?\S)\s+(?:(ASC|DESC)(?:\s+NULLS\s+(FIRST|LAST))?|NULLS\s+(FIRST|LAST))\s*$/i;
const BARE_IDENT = /^[\p{L}_][\p{L}\p{N}_$]*$/u;

function unquote(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier;
}

/** A name as it must be written inside an index key string. */
function quoteIdent(name: string): string {
  return BARE_IDENT.test(name) && !/^(asc|desc|nulls|collate)$/i.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

function withOrder(key: IndexKey, order: string | undefined, nulls: string | undefined): IndexKey {
  return {
    ...key,
    ...(order?.toUpperCase() === 'DESC' ? { descending: true } : {}),
    ...(nulls ? { nulls: nulls.toLowerCase() as 'first' | 'last' } : {}),
  };
}

function parseIndexKey(text: string): IndexKey {
  const column = COLUMN_KEY.exec(text);
  if (column) {
    const [, name, collation, opclass, order, nulls] = column;
    const key: IndexKey = {
      column: unquote(name!),
      ...(collation ? { collation: unquote(collation) } : {}),
      ...(opclass ? { opclass: unquote(opclass) } : {}),
    };
    return withOrder(key, order, nulls);
  }
  const suffixed = EXPRESSION_SUFFIX.exec(text);
  if (suffixed) return withOrder({ expression: suffixed[1]!.trim() }, suffixed[2], suffixed[3] ?? suffixed[4]);
  return { expression: text.trim() };
}

function formatIndexKey(key: IndexKey): string | undefined {
  let text: string;
  if (key.column !== undefined && key.expression === undefined) {
    if (key.collation !== undefined || key.opclass !== undefined) return undefined;
    text = quoteIdent(key.column);
  } else if (key.expression !== undefined && key.column === undefined) {
    if (key.collation !== undefined || key.opclass !== undefined) return undefined;
    text = key.expression;
  } else {
    return undefined;
  }
  if (key.descending === true) text += ' DESC';
  if (key.nulls !== undefined) text += ` NULLS ${key.nulls.toUpperCase()}`;
  return sameKey(parseIndexKey(text), key) ? text : undefined;
}

function sameKey(a: IndexKey, b: IndexKey): boolean {
  return (
    a.column === b.column &&
    a.expression === b.expression &&
    (a.descending === true) === (b.descending === true) &&
    a.nulls === b.nulls &&
    a.collation === b.collation &&
    a.opclass === b.opclass
  );
}

export const postgresKeySyntax: IndexKeySyntax = { parse: parseIndexKey, format: formatIndexKey };
