// The one SQL tokenizer of the MySQL engine (STYLE.md: one lexer per dialect): statements are
// split, vetted and located with it, never with regular expressions over raw text. It knows
// MySQL's lexical rules: '...' and "..." strings with backslash escapes and doubled quotes,
// `...` identifiers, `-- `, `#` and /* */ comments, executable comments (`/*! ... */`,
// `/*!50705 ... */`, MariaDB's `/*M!100100 ... */`) whose content is code to the server, and
// the client's DELIMITER command, which is no SQL at all: dumps and the Sakila files change the
// statement delimiter with it around routine and trigger bodies.

export type TokenKind = 'word' | 'ident' | 'string' | 'number' | 'punct' | 'variable';

export interface Token {
  readonly kind: TokenKind;
  /** As written; for an ident the name without its backticks. */
  readonly text: string;
  /** Offsets into the statement's text. */
  readonly start: number;
  readonly end: number;
}

export interface Statement {
  /** The statement as written, without its delimiter. */
  readonly text: string;
  /** 1-based line of the source on which the statement's text begins. */
  readonly line: number;
  /** Its tokens, comments and whitespace left out; an executable comment's content is in. */
  readonly tokens: readonly Token[];
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

interface Scan {
  readonly tokens: Token[];
  /** Offset just past the delimiter that ends the statement, or the text's length. */
  readonly end: number;
  /** Offset where the delimiter starts (the statement's end), or the text's length. */
  readonly stop: number;
}

/**
 * Tokens from `from` up to the first `delimiter` outside strings and comments. A string or
 * comment left open runs to the end of the text, where the server will refuse it.
 */
function scan(text: string, from: number, delimiter: string): Scan {
  const tokens: Token[] = [];
  let i = from;
  let inExecutable = false;
  const push = (kind: TokenKind, start: number, end: number, value = text.slice(start, end)) => tokens.push({ kind, text: value, start, end });
  while (i < text.length) {
    if (text.startsWith(delimiter, i)) return { tokens, stop: i, end: i + delimiter.length };
    const c = text[i]!;
    const next = text[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (inExecutable && c === '*' && next === '/') {
      inExecutable = false;
      i += 2;
    } else if (c === '#' || (c === '-' && next === '-' && (i + 2 >= text.length || /\s/.test(text[i + 2]!)))) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
    } else if (c === '/' && next === '*') {
      const executable = /^\/\*M?!\d*/.exec(text.slice(i, i + 12));
      if (executable && !inExecutable) {
        inExecutable = true;
        i += executable[0].length;
      } else {
        const close = text.indexOf('*/', i + 2);
        i = close < 0 ? text.length : close + 2;
      }
    } else if (c === "'" || c === '"') {
      const start = i;
      let value = '';
      i++;
      while (i < text.length) {
        const d = text[i]!;
        if (d === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else if (d === c && text[i + 1] === c) {
          value += c;
          i += 2;
        } else if (d === c) {
          i++;
          break;
        } else {
          value += d;
          i++;
        }
      }
      push('string', start, i, value);
    } else if (c === '`') {
      const start = i;
      let value = '';
      i++;
      while (i < text.length) {
        if (text[i] === '`' && text[i + 1] === '`') {
          value += '`';
          i += 2;
        } else if (text[i] === '`') {
          i++;
          break;
        } else {
          value += text[i];
          i++;
        }
      }
      push('ident', start, i, value);
    } else if (c === '@') {
      const start = i;
      i++;
      if (text[i] === '@') i++;
      while (i < text.length && (WORD_PART.test(text[i]!) || text[i] === '.')) i++;
      push('variable', start, i);
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < text.length && /[0-9A-Za-z_.]/.test(text[i]!)) i++;
      push('number', start, i);
    } else if (WORD_START.test(c)) {
      const start = i;
      while (i < text.length && WORD_PART.test(text[i]!)) i++;
      push('word', start, i);
    } else {
      push('punct', i, i + 1);
      i++;
    }
  }
  return { tokens, stop: text.length, end: text.length };
}

/** Offset of the first character that is neither whitespace nor inside a plain comment. */
function skipBlank(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text[i] === '#' || (text.startsWith('--', i) && (i + 2 >= text.length || /\s/.test(text[i + 2]!)))) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? text.length : eol + 1;
    } else if (text.startsWith('/*', i) && !/^\/\*M?!/.test(text.slice(i, i + 4))) {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else {
      return i;
    }
  }
}

function lineAt(text: string, offset: number, lineStarts: readonly number[]): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

/**
 * The statements of a script, as the mysql client would send them: split at the delimiter
 * (`;`, or what the last DELIMITER command set), empty ones dropped. A statement's tokens and
 * text are its own; `line` is where it begins in the script.
 */
export function splitStatements(text: string): Statement[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const statements: Statement[] = [];
  let delimiter = ';';
  let i = 0;
  while (i < text.length) {
    const start = skipBlank(text, i);
    if (start >= text.length) break;
    const command = /^delimiter[ \t]+(\S+)[^\n]*(?:\n|$)/i.exec(text.slice(start, text.indexOf('\n', start) < 0 ? text.length : text.indexOf('\n', start) + 1));
    if (command) {
      delimiter = command[1]!;
      i = start + command[0].length;
      continue;
    }
    const { tokens, stop, end } = scan(text, start, delimiter);
    const body = text.slice(start, stop).replace(/\s+$/, '');
    if (tokens.length > 0) {
      statements.push({
        text: body,
        line: lineAt(text, start, lineStarts),
        tokens: tokens.map((t) => ({ ...t, start: t.start - start, end: t.end - start })),
      });
    }
    i = end;
  }
  return statements;
}

/** The first keyword of one statement, upper-cased (`(` for a parenthesized query), or undefined for none. */
export function firstKeyword(text: string): string | undefined {
  const first = scan(text, 0, '\0').tokens[0];
  if (!first) return undefined;
  return first.kind === 'word' ? first.text.toUpperCase() : first.text === '(' ? '(' : first.text;
}

/** Whether a token is the keyword `word` (case-insensitive; a quoted identifier never is). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === word;
}
