// The one PostgreSQL tokenizer (STYLE.md: one SQL tokenizer per engine): every place of this
// engine that reads SQL text (checks of manifest text, hazards, rendering, names, dumps, catalog
// output) cuts it here. libpg-query, which the engine uses to parse, offers no scanner in the
// version this project depends on, so this follows scan.l's rules for what is quoted and what is
// a comment.
import type { NameToken } from '../shared/names.js';

const identStart = (c: string | undefined): boolean => c !== undefined && (/[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80);
const identPart = (c: string | undefined): boolean => c !== undefined && (/[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80);

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
  const n = text.length;
  let i = 0;
  const skipQuoted = (from: number, quote: string, backslash: boolean): number => {
    let j = from + 1;
    while (j < n) {
      const c = text[j];
      if (backslash && c === '\\') j += 2;
      else if (c === quote && text[j + 1] === quote) j += 2;
      else if (c === quote) return j + 1;
      else j += 1;
    }
    return n;
  };
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    const start = i;
    if (c === '-' && next === '-') {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      yield { kind: 'comment', start, end: i };
    } else if (c === '/' && next === '*') {
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
      yield { kind: 'comment', start, end: i };
    } else if (c === "'") {
      i = skipQuoted(i, "'", false);
      yield { kind: 'string', start, end: i };
    } else if ((c === 'e' || c === 'E') && next === "'") {
      i = skipQuoted(i + 1, "'", true);
      yield { kind: 'escape-string', start, end: i };
    } else if (/[nNbBxX]/.test(c) && next === "'") {
      i += 1;
      yield { kind: 'other', start, end: i };
    } else if ((c === 'u' || c === 'U') && next === '&' && (text[i + 2] === "'" || text[i + 2] === '"')) {
      i += 2;
      yield { kind: 'other', start, end: i };
    } else if (c === '"') {
      i = skipQuoted(i, '"', false);
      yield { kind: 'quoted-identifier', start, end: i };
    } else if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 256))?.[0];
      if (tag === undefined) {
        i += 1;
        while (i < n && /[0-9]/.test(text[i]!)) i += 1;
        yield { kind: 'parameter', start, end: i };
      } else {
        const close = text.indexOf(tag, i + tag.length);
        i = close < 0 ? n : close + tag.length;
        yield { kind: 'dollar-string', start, end: i };
      }
    } else if (identStart(c)) {
      i += 1;
      while (i < n && identPart(text[i])) i += 1;
      yield { kind: 'identifier', start, end: i };
    } else if (/[0-9]/.test(c)) {
      i += 1;
      while (i < n && /[0-9A-Za-z_.]/.test(text[i]!)) i += 1;
      yield { kind: 'number', start, end: i };
    } else if (/\s/.test(c)) {
      i += 1;
    } else {
      i += 1;
      yield { kind: 'other', start, end: i };
    }
  }
}

/**
 * The identifier that starts at `at`, not folded (a bare one as written), and where it ends;
 * undefined when none starts there or its quote is never closed.
 */
export function identifierAt(text: string, at: number): { value: string; end: number } | undefined {
  const token = sqlTokens(text.slice(at)).next().value as SqlToken | undefined;
  if (token === undefined || token.start !== 0) return undefined;
  const raw = text.slice(at, at + token.end);
  if (token.kind === 'identifier') return { value: raw, end: at + token.end };
  if (token.kind === 'quoted-identifier' && /^"(?:[^"]|"")*"$/.test(raw)) return { value: raw.slice(1, -1).replaceAll('""', '"'), end: at + token.end };
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
