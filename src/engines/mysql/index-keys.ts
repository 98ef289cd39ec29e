// Index keys written as text in a manifest, in MySQL's spelling: `name`, `` `Mixed Name` ``, a
// prefix `name(10)`, `name DESC`, or an expression, in parentheses as MySQL writes a functional
// key part (`(lower(email))`, MySQL 8.0.13+), optionally followed by ASC or DESC.
import type { IndexKey } from '../../model/types.js';
import type { IndexKeySyntax } from '../types.js';

const IDENT = '(?:[\\p{L}\\p{N}_$]+|`(?:[^`]|``)+`)';
const COLUMN_KEY = new RegExp(String.raw`^\s*(${IDENT})\s*(?:\(\s*(\d+)\s*\))?(?:\s+(ASC|DESC))?\s*$`, 'iu');
const ORDER_SUFFIX = /^([\s\S]*?\S)\s+(ASC|DESC)\s*$/i;
const BARE = /^[\p{L}_$][\p{L}\p{N}_$]*$/u;

function unquote(identifier: string): string {
  return identifier.startsWith('`') ? identifier.slice(1, -1).replace(/``/g, '`') : identifier;
}

/** The expression without the one pair of parentheses around all of it, if there is such a pair. */
function unwrap(text: string): string {
  const t = text.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return t;
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0 && i < t.length - 1) return t;
  }
  return t.slice(1, -1).trim();
}

function parse(text: string): IndexKey {
  const column = COLUMN_KEY.exec(text);
  if (column && !/^\d+$/.test(column[1]!) && !/^(asc|desc)$/i.test(column[1]!)) {
    const [, name, length, order] = column;
    return { column: unquote(name!), ...(length !== undefined && { length: Number(length) }), ...(order?.toUpperCase() === 'DESC' && { descending: true as const }) };
  }
  const suffixed = ORDER_SUFFIX.exec(text);
  const body = suffixed ? suffixed[1]! : text;
  return { expression: unwrap(body), ...(suffixed?.[2]?.toUpperCase() === 'DESC' && { descending: true as const }) };
}

function quote(name: string): string {
  return BARE.test(name) && !/^(asc|desc)$/i.test(name) ? name : '`' + name.replaceAll('`', '``') + '`';
}

function format(key: IndexKey): string | undefined {
  if (key.collation !== undefined || key.opclass !== undefined || key.nulls !== undefined) return undefined;
  let text: string;
  if (key.column !== undefined && key.expression === undefined) text = quote(key.column) + (key.length !== undefined ? `(${key.length})` : '');
  else if (key.expression !== undefined && key.column === undefined && key.length === undefined) text = `(${key.expression})`;
  else return undefined;
  if (key.descending) text += ' DESC';
  const back = parse(text);
  const same = back.column === key.column && back.expression === key.expression && back.length === key.length && (back.descending === true) === (key.descending === true);
  return same ? text : undefined;
}

export const indexKeys: IndexKeySyntax = { parse, format };
