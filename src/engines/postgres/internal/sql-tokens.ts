// The one PostgreSQL tokenizer (STYLE.md: one SQL tokenizer per engine): every place of this
// engine that reads SQL text (checks of manifest text, hazards, rendering, names, dumps, catalog
// output) cuts it here. libpg-query, which the engine uses to parse, offers no scanner in the
// version this project depends on, so this follows scan.l's rules for what is quoted and what is
// a comment.
import type { NameToken } from '../../shared/names.js';

// Character classes by code, not by regular expression: catalog text of every tenant goes through here.
const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 0x80;
const isIdentPart = (code: number): boolean => isLetter(code) || isDigit(code) || code === 36;
const isNumberPart = (code: number): boolean => code < 0x80 && code !== 36 && (isIdentPart(code) || code === 46);
// Characters from 0x80 up start identifiers, as in scan.l, so only ASCII white space is left.
const isSpace = (code: number): boolean => code === 32 || (code >= 9 && code <= 13);

/** A piece of SQL text as the server's lexer (scan.l) cuts it; `start` and `end` index the string. */
export interface SqlToken {
  readonly kind: 'comment' | 'string' | 'escape-string' | 'quoted-identifier' | 'dollar-string' | 'identifier' | 'number' | 'parameter' | 'other';
  readonly start: number;
  readonly end: number;
}

/**
 * The project's one PostgreSQL tokenizer: what is quoted ('', E'', N'', B'', X'', U&'', quoted
 * identifiers, dollar quotes) and what is a comment (`--`, nested `/* *\/`), with scan.l's rules.
 * A string's prefix letter (N, B, X, U&) is a token of its own; whitespace is no token.
 */
export function* sqlTokens(text: string): Generator<SqlToken> {
  for (let token = tokenFrom(text, 0); token !== undefined; token = tokenFrom(text, token.end)) yield token;
}

/** The first token at or after `from` (white space is skipped); undefined at the end of the text. */
export function tokenFrom(text: string, from: number): SqlToken | undefined {
  const n = text.length;
  let i = from;
  while (i < n && isSpace(text.charCodeAt(i))) i += 1;
  if (i >= n) return undefined;
  const c = text[i]!;
  const code = text.charCodeAt(i);
  const next = text[i + 1];
  const start = i;
  if (c === '-' && next === '-') {
    const eol = text.indexOf('\n', i);
    return { kind: 'comment', start, end: eol < 0 ? n : eol };
  }
  if (c === '/' && next === '*') {
    let depth = 0;
    while (i < n) {
      if (text[i] === '/' && text[i + 1] === '*') {
        depth += 1;
        i += 2;
      } else if (text[i] === '*' && text[i + 1] === '/') {
        depth -= 1;
        i += 2;
        if (depth === 0) break;
      } else i += 1;
    }
    return { kind: 'comment', start, end: i };
  }
  if (c === "'") return { kind: 'string', start, end: endOfQuoted(text, i, "'", false) };
  if ((c === 'e' || c === 'E') && next === "'") return { kind: 'escape-string', start, end: endOfQuoted(text, i + 1, "'", true) };
  if (next === "'" && (c === 'n' || c === 'N' || c === 'b' || c === 'B' || c === 'x' || c === 'X')) return { kind: 'other', start, end: i + 1 };
  if ((c === 'u' || c === 'U') && next === '&' && (text[i + 2] === "'" || text[i + 2] === '"')) return { kind: 'other', start, end: i + 2 };
  if (c === '"') return { kind: 'quoted-identifier', start, end: endOfQuoted(text, i, '"', false) };
  if (c === '$') {
    const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 256))?.[0];
    if (tag === undefined) {
      i += 1;
      while (i < n && isDigit(text.charCodeAt(i))) i += 1;
      return { kind: 'parameter', start, end: i };
    }
    const close = text.indexOf(tag, i + tag.length);
    return { kind: 'dollar-string', start, end: close < 0 ? n : close + tag.length };
  }
  if (isLetter(code)) {
    i += 1;
    while (i < n && isIdentPart(text.charCodeAt(i))) i += 1;
    return { kind: 'identifier', start, end: i };
  }
  if (isDigit(code)) {
    i += 1;
    while (i < n && isNumberPart(text.charCodeAt(i))) i += 1;
    return { kind: 'number', start, end: i };
  }
  return { kind: 'other', start, end: i + 1 };
}

/** Index just past the quoted text whose opening quote is at `at`; a doubled quote stays inside; unterminated, the end. */
function endOfQuoted(text: string, at: number, quote: string, backslash: boolean): number {
  let j = at + 1;
  while (j < text.length) {
    const c = text[j];
    if (backslash && c === '\\') j += 2;
    else if (c === quote && text[j + 1] === quote) j += 2;
    else if (c === quote) return j + 1;
    else j += 1;
  }
  return text.length;
}

/**
 * The identifier that starts at `at`, not folded (a bare one as written), and where it ends;
 * undefined when none starts there or its quote is never closed.
 */
export function identifierAt(text: string, at: number): { value: string; end: number } | undefined {
  const token = tokenFrom(text, at);
  if (token === undefined || token.start !== at) return undefined;
  const raw = text.slice(at, token.end);
  if (token.kind === 'identifier') return { value: raw, end: token.end };
  if (token.kind === 'quoted-identifier' && /^"(?:[^"]|"")*"$/.test(raw)) return { value: raw.slice(1, -1).replaceAll('""', '"'), end: token.end };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Expressions as the renderer and the hazard rules read them: every piece of the text, white
// space and comments included, so that joining the tokens' texts gives the expression back.

export interface ExprToken {
  readonly kind: 'string' | 'word' | 'qident' | 'space' | 'punct' | 'number' | 'other';
  readonly text: string;
}

const exprKinds: Readonly<Record<SqlToken['kind'], ExprToken['kind']>> = {
  comment: 'space',
  string: 'string',
  'escape-string': 'string',
  'dollar-string': 'string',
  'quoted-identifier': 'qident',
  identifier: 'word',
  number: 'number',
  parameter: 'other',
  other: 'other',
};

/** The expression's tokens with the white space between them; `::` is one token. */
export function expressionTokens(expr: string): ExprToken[] {
  const tokens: ExprToken[] = [];
  let at = 0;
  for (const token of sqlTokens(expr)) {
    if (token.start > at) tokens.push({ kind: 'space', text: expr.slice(at, token.start) });
    const text = expr.slice(token.start, token.end);
    if (text === ':' && at === token.start && tokens[tokens.length - 1]?.text === ':') tokens[tokens.length - 1] = { kind: 'punct', text: '::' };
    else tokens.push({ kind: token.kind === 'other' && /^[(),.[\]]$/.test(text) ? 'punct' : exprKinds[token.kind], text });
    at = token.end;
  }
  if (at < expr.length) tokens.push({ kind: 'space', text: expr.slice(at) });
  return tokens;
}

/** The value of an identifier token: quoted ones keep their case, bare ones fold to lower case. */
export function identifierValue(token: ExprToken): string {
  return token.kind === 'qident' ? token.text.slice(1, -1).replaceAll('""', '"') : token.text.toLowerCase();
}

/** The expression's tokens as the naming rule of CHECKs reads them (names.ts). */
export function nameTokens(expr: string): NameToken[] {
  return expressionTokens(expr)
    .filter((t) => t.kind !== 'space')
    .map((t) => (t.kind === 'word' || t.kind === 'qident' ? { identifier: identifierValue(t), text: t.text } : { text: t.text }));
}
