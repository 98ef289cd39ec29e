// The one SQLite tokenizer (STYLE.md: one SQL tokenizer per engine): the CREATE TABLE / CREATE
// INDEX parser, the printer of expressions, the checks of manifest text, the hazard rules, the
// rewrite of triggers and the names of CHECKs all read SQL text through it.
import type { NameToken } from '../../shared/names.js';

export type TokenKind =
  | 'word'
  | 'ident'
  | 'string'
  | 'blob'
  | 'number'
  | 'param'
  | 'op'
  | '('
  | ')'
  | ','
  | '.'
  | ';';

export interface SqlToken {
  readonly kind: TokenKind;
  /** The token as written. */
  readonly text: string;
  /** Identifiers unquoted, strings without quotes and escapes; otherwise the text. */
  readonly value: string;
  /** Offsets in the tokenized text; synthetic tokens carry -1. */
  readonly start: number;
  readonly end: number;
}

const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isWordChar = (c: string): boolean => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

const NUMBER = /^(?:0[xX][0-9A-Fa-f_]+|(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9_]+)?)/;
const OPERATORS_3 = ['->>'];
const OPERATORS_2 = ['||', '->', '<<', '>>', '<=', '>=', '==', '!=', '<>', '::'];

/** Index just past a quoted token starting at `start`; a doubled closing quote stays inside. Unterminated: the end. */
function endOfQuoted(text: string, start: number, close: string, doubling: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === close) {
      if (doubling && text[i + 1] === close) i += 2;
      else return i + 1;
    } else i++;
  }
  return text.length;
}

/**
 * SQLite's tokens, without whitespace and comments. Never throws: an unterminated literal or
 * comment runs to the end of the text, an unknown character becomes a one-character operator.
 */
export function sqlTokens(sql: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  const push = (kind: TokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      continue;
    }
    if (c === "'") {
      const end = endOfQuoted(sql, i, "'", true);
      push('string', i, end, sql.slice(i + 1, sql[end - 1] === "'" && end - 1 > i ? end - 1 : end).replaceAll("''", "'"));
      i = end;
      continue;
    }
    if ((c === 'x' || c === 'X') && sql[i + 1] === "'") {
      const end = endOfQuoted(sql, i + 1, "'", false);
      push('blob', i, end);
      i = end;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = endOfQuoted(sql, i, c, true);
      const closed = end - 1 > i && sql[end - 1] === c;
      push('ident', i, end, sql.slice(i + 1, closed ? end - 1 : end).replaceAll(c + c, c));
      i = end;
      continue;
    }
    if (c === '[') {
      const close = sql.indexOf(']', i + 1);
      const end = close < 0 ? sql.length : close + 1;
      push('ident', i, end, sql.slice(i + 1, close < 0 ? end : close));
      i = end;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(sql[i + 1]))) {
      const match = NUMBER.exec(sql.slice(i));
      const end = i + (match ? match[0].length : 1);
      push('number', i, end);
      i = end;
      continue;
    }
    if (isWordStart(c)) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql[end]!)) end++;
      push('word', i, end);
      i = end;
      continue;
    }
    if (c === '?' || ((c === ':' || c === '@' || c === '$') && sql[i + 1] !== undefined && isWordChar(sql[i + 1]!))) {
      let end = i + 1;
      while (end < sql.length && isWordChar(sql[end]!)) end++;
      push('param', i, end);
      i = end;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '.' || c === ';') {
      push(c, i, i + 1);
      i++;
      continue;
    }
    const op = [...OPERATORS_3, ...OPERATORS_2].find((o) => sql.startsWith(o, i)) ?? c;
    push('op', i, i + op.length);
    i += op.length;
  }
  return tokens;
}

/** Index of the parenthesis matching the one at `at`: the `)` closing a `(`, the `(` opening a `)`; -1 if none. */
export function matchingParen(tokens: readonly SqlToken[], at: number): number {
  const step = tokens[at]?.kind === ')' ? -1 : 1;
  let depth = 0;
  for (let i = at; i >= 0 && i < tokens.length; i += step) {
    const kind = tokens[i]!.kind;
    if (kind !== '(' && kind !== ')') continue;
    depth += kind === '(' ? step : -step;
    if (depth === 0) return i;
  }
  return -1;
}

export function isWord(token: SqlToken | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && words.includes(token.text.toUpperCase());
}

/** The expression's tokens as the naming rule of CHECKs reads them (names.ts). */
export function nameTokens(expression: string): NameToken[] {
  return sqlTokens(expression).map((t) => {
    // Bare names fold to lower case as PostgreSQL folds them: the names are PostgreSQL's (../shared/names.ts).
    if (t.kind === 'word') return { identifier: t.text.toLowerCase(), text: t.text };
    return t.kind === 'ident' ? { identifier: t.value, text: t.text } : { text: t.text };
  });
}
