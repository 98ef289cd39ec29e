// SQLite SQL text: the canonical printer of expressions (CHECK, index keys, partial-index
// predicates, generated columns, defaults), on the tokens of sql-tokens.ts. SQLite keeps DDL text exactly as written and never deparses it, so there is no
// server-side canonical form to imitate: both sides, the manifest and what inspection reads,
// go through the same printer, and the printer is idempotent (its output prints back to itself),
// which is what makes text the renderer wrote read back identically (DESIGN.md invariant 2).
//
// The printer works on tokens, not on a syntax tree: it collapses whitespace and drops comments
// outside literals and quoted identifiers, upper-cases SQL keywords, lower-cases function names
// (SQLite matches them case-insensitively), writes quoted identifiers bare where that is safe,
// spells `==` as `=` and `!=` as `<>`, rewrites PostgreSQL-style `x::type` casts into SQLite's
// CAST(x AS TYPE) and strips redundant parentheses around the whole expression. Parentheses
// inside an expression are kept as written: removing them safely needs operator precedence.
import { isWord, matchingParen, sqlTokens, type SqlToken, type TokenKind } from './sql-tokens.js';

/** SQLite's keywords (https://sqlite.org/lang_keywords.html), plus TRUE and FALSE: never written bare as names. */
const SQLITE_KEYWORDS = new Set(
  `ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH AUTOINCREMENT BEFORE BEGIN BETWEEN BY
  CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE
  CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP
  EACH ELSE END ESCAPE EXCEPT EXCLUDE EXCLUSIVE EXISTS EXPLAIN FAIL FALSE FILTER FIRST FOLLOWING FOR FOREIGN
  FROM FULL GENERATED GLOB GROUP GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT
  INSTEAD INTERSECT INTO IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING
  NOTNULL NULL NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
  RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT ROLLBACK
  ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER TRUE UNBOUNDED UNION
  UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`.split(/\s+/),
);

/**
 * The keywords of expressions, printed upper-case. Only these: other keywords (KEY, FIRST, ACTION,
 * ...) double as column names in SQLite, and a name keeps the case it was written in.
 */
const EXPRESSION_KEYWORDS = new Set(
  `AND AS BETWEEN CASE CAST COLLATE CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DISTINCT ELSE END ESCAPE
  EXISTS FALSE GLOB IN IS ISNULL LIKE MATCH NOT NOTNULL NULL OR REGEXP THEN TRUE WHEN`.split(/\s+/),
);

/** Keywords that are values, after which `-` is binary. */
const OPERAND_KEYWORDS = new Set(['NULL', 'TRUE', 'FALSE', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'END', 'ISNULL', 'NOTNULL']);

/** Binary keyword operators that are also functions: `like(a, b)`. */
const OPERATOR_FUNCTIONS = new Set(['LIKE', 'GLOB', 'MATCH', 'REGEXP']);

const BARE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A name as canonical text: bare where SQLite reads it back as the same name, else double-quoted. */
export function identifierText(name: string): string {
  return BARE_NAME.test(name) && !SQLITE_KEYWORDS.has(name.toUpperCase()) ? name : '"' + name.replaceAll('"', '""') + '"';
}

/**
 * A declared column type as SQLite keeps it, in canonical spelling: upper-case, runs of
 * whitespace as one space, none around parentheses and commas: `varchar (255)` -> `VARCHAR(255)`,
 * `numeric( 10 , 2 )` -> `NUMERIC(10,2)`. Names are not translated: SQLite derives a column's
 * affinity from the declared text (INT anywhere -> INTEGER; CHAR, CLOB or TEXT -> TEXT; BLOB or
 * nothing -> BLOB; REAL, FLOA or DOUB -> REAL; else NUMERIC), and `INT` differs from `INTEGER`
 * in one place: only `INTEGER PRIMARY KEY` makes the column an alias of the rowid.
 */
export function canonicalTypeText(type: string): string {
  // SQLite keeps a quoted type name without its quotes: `"double precision"` is DOUBLE PRECISION.
  const unquoted = /["'`[]/.test(type)
    ? sqlTokens(type)
        .map((t) => (t.kind === 'ident' || t.kind === 'string' ? t.value : t.text))
        .join(' ')
    : type;
  return unquoted
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// Rewrites on the token list

function synthetic(kind: TokenKind, text: string, value: string = text): SqlToken {
  return { kind, text, value, start: -1, end: -1 };
}

function isOperandEnd(token: SqlToken): boolean {
  return (
    token.kind === 'ident' ||
    token.kind === 'string' ||
    token.kind === 'blob' ||
    token.kind === 'number' ||
    token.kind === 'param' ||
    (token.kind === 'word' && (!EXPRESSION_KEYWORDS.has(token.text.toUpperCase()) || OPERAND_KEYWORDS.has(token.text.toUpperCase())))
  );
}

/** Start of the primary expression that ends at `end`: a literal, a (qualified) name, a call, a parenthesized group. */
function primaryStart(tokens: readonly SqlToken[], end: number): number {
  const last = tokens[end];
  if (last === undefined) return -1;
  if (last.kind === ')') {
    const open = matchingParen(tokens, end);
    if (open < 0) return -1;
    const callee = tokens[open - 1];
    if (callee !== undefined && (callee.kind === 'ident' || (callee.kind === 'word' && (!EXPRESSION_KEYWORDS.has(callee.text.toUpperCase()) || isWord(callee, 'CAST'))))) {
      return open - 1;
    }
    return open;
  }
  if (!isOperandEnd(last)) return -1;
  let start = end;
  while (tokens[start - 1]?.kind === '.' && (tokens[start - 2]?.kind === 'word' || tokens[start - 2]?.kind === 'ident')) start -= 2;
  return start;
}

/** `x::type` (PostgreSQL) -> `CAST(x AS type)`, which is what SQLite understands. */
function rewriteCasts(input: readonly SqlToken[]): SqlToken[] {
  let tokens = [...input];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.kind !== 'op' || tokens[i]!.text !== '::') continue;
    const start = primaryStart(tokens, i - 1);
    let typeEnd = i + 1;
    while (tokens[typeEnd]?.kind === 'word' && !EXPRESSION_KEYWORDS.has(tokens[typeEnd]!.text.toUpperCase())) typeEnd++;
    if (start < 0 || typeEnd === i + 1) continue;
    if (tokens[typeEnd]?.kind === '(') {
      const close = matchingParen(tokens, typeEnd);
      if (close > 0) typeEnd = close + 1;
    }
    const cast = [
      synthetic('word', 'CAST'),
      synthetic('(', '('),
      ...tokens.slice(start, i),
      synthetic('word', 'AS'),
      ...tokens.slice(i + 1, typeEnd),
      synthetic(')', ')'),
    ];
    tokens = [...tokens.slice(0, start), ...cast, ...tokens.slice(typeEnd)];
    i = start + cast.length - 1;
  }
  return tokens;
}

/** The type of CAST(x AS type) and the name after COLLATE, each as one canonical token. */
function foldTypesAndCollations(input: readonly SqlToken[]): SqlToken[] {
  const tokens: SqlToken[] = [];
  for (let i = 0; i < input.length; i++) {
    const token = input[i]!;
    tokens.push(token);
    if (isWord(token, 'COLLATE') && (input[i + 1]?.kind === 'word' || input[i + 1]?.kind === 'ident' || input[i + 1]?.kind === 'string')) {
      tokens.push(synthetic('ident', collationText(input[i + 1]!.value), collationName(input[i + 1]!.value)));
      i++;
      continue;
    }
    if (isWord(token, 'CAST') && input[i + 1]?.kind === '(') {
      const close = matchingParen(input, i + 1);
      if (close < 0) continue;
      let as = -1;
      let depth = 0;
      for (let j = i + 2; j < close; j++) {
        const kind = input[j]!.kind;
        if (kind === '(') depth++;
        else if (kind === ')') depth--;
        else if (depth === 0 && isWord(input[j], 'AS')) as = j;
      }
      if (as < 0 || as + 1 >= close) continue;
      const inner = foldTypesAndCollations(input.slice(i + 1, as + 1));
      const type = canonicalTypeText(input.slice(as + 1, close).map((t) => t.text).join(' '));
      tokens.push(...inner, synthetic('word', type), synthetic(')', ')'));
      i = close;
    }
  }
  return tokens;
}

/** Collation names are case-insensitive in SQLite: canonical upper-case, BINARY being the default. */
export function collationName(name: string): string {
  return name.toUpperCase();
}

function collationText(name: string): string {
  return identifierText(collationName(name));
}

/** Removes `( ... )` around the whole token list, as often as it is there. */
export function stripOuterParens(input: readonly SqlToken[]): SqlToken[] {
  let tokens = [...input];
  while (tokens.length >= 2 && tokens[0]!.kind === '(' && matchingParen(tokens, 0) === tokens.length - 1) tokens = tokens.slice(1, -1);
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Printing

type Role = 'keyword' | 'callee' | 'name' | 'value' | 'operator' | 'unary' | '(' | ')' | ',' | '.';

interface Piece {
  readonly text: string;
  readonly role: Role;
  /** A keyword that is a value (NULL, TRUE, CURRENT_TIMESTAMP, END). */
  readonly operand?: boolean;
}

function endsOperand(piece: Piece | undefined): boolean {
  return piece !== undefined && (piece.role === 'name' || piece.role === 'value' || piece.role === ')' || piece.operand === true);
}

function classify(tokens: readonly SqlToken[]): Piece[] {
  const pieces: Piece[] = [];
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    const before = pieces[pieces.length - 1];
    switch (token.kind) {
      case 'word': {
        const upper = token.text.toUpperCase();
        const call = next?.kind === '(';
        if (token.start < 0 && upper !== 'CAST' && upper !== 'AS') {
          // A folded CAST type.
          pieces.push({ text: token.text, role: 'name' });
        } else if (EXPRESSION_KEYWORDS.has(upper) && !(call && OPERATOR_FUNCTIONS.has(upper) && !endsOperand(before))) {
          pieces.push({ text: upper, role: call && upper === 'CAST' ? 'callee' : 'keyword', operand: OPERAND_KEYWORDS.has(upper) });
        } else if (call) {
          pieces.push({ text: token.text.toLowerCase(), role: 'callee' });
        } else {
          pieces.push({ text: token.text, role: 'name' });
        }
        break;
      }
      case 'ident':
        pieces.push({ text: token.start < 0 ? token.text : identifierText(token.value), role: next?.kind === '(' ? 'callee' : 'name' });
        break;
      case 'blob':
        pieces.push({ text: 'X' + token.text.slice(1).toUpperCase(), role: 'value' });
        break;
      case 'string':
      case 'number':
      case 'param':
        pieces.push({ text: token.text, role: 'value' });
        break;
      case 'op': {
        const text = token.text === '==' ? '=' : token.text === '!=' ? '<>' : token.text;
        const unary = (text === '-' || text === '+' || text === '~') && !endsOperand(before);
        pieces.push({ text, role: unary ? 'unary' : 'operator' });
        break;
      }
      case '(':
      case ')':
      case ',':
      case '.':
        pieces.push({ text: token.kind, role: token.kind });
        break;
      case ';':
        break;
    }
  });
  return pieces;
}

function spaceBetween(before: Piece, piece: Piece): boolean {
  if (piece.role === ')' || piece.role === ',' || piece.role === '.' || before.role === '.') return false;
  if (before.role === '(' || before.role === 'unary') return false;
  if (piece.role === '(' && before.role === 'callee') return false;
  return true;
}

export function printTokens(tokens: readonly SqlToken[]): string {
  let out = '';
  let before: Piece | undefined;
  for (const piece of classify(tokens)) {
    if (before !== undefined && spaceBetween(before, piece)) out += ' ';
    out += piece.text;
    before = piece;
  }
  return out;
}

/** The tokens of an expression, trailing semicolons dropped, casts rewritten, outer parentheses stripped. */
export function expressionTokens(expression: string): SqlToken[] {
  const tokens = sqlTokens(expression);
  while (tokens.length > 0 && tokens[tokens.length - 1]!.kind === ';') tokens.pop();
  return foldTypesAndCollations(stripOuterParens(rewriteCasts(tokens)));
}

/** Canonical text of an expression (see the head of this file). Never throws. */
export function canonicalExpressionText(expression: string): string {
  return printTokens(expressionTokens(expression));
}

/** The column an expression consists of, if it is nothing but a (quoted) name: `(email)`, `"email"`. */
export function simpleColumnName(expression: string): string | undefined {
  const tokens = expressionTokens(expression);
  if (tokens.length !== 1) return undefined;
  const token = tokens[0]!;
  if (token.kind === 'ident') return token.value;
  if (token.kind === 'word' && !EXPRESSION_KEYWORDS.has(token.text.toUpperCase())) return token.text;
  return undefined;
}

/** `expr COLLATE name` at the top level -> the expression and the collation, as an index key writes it. */
export function splitCollate(expression: string): { expression: string; collation?: string } {
  const tokens = sqlTokens(expression);
  const n = tokens.length;
  if (n >= 3 && isWord(tokens[n - 2], 'COLLATE') && (tokens[n - 1]!.kind === 'word' || tokens[n - 1]!.kind === 'ident' || tokens[n - 1]!.kind === 'string')) {
    return { expression: expression.slice(0, tokens[n - 2]!.start).trim(), collation: collationName(tokens[n - 1]!.value) };
  }
  return { expression: expression.trim() };
}

/** Defaults that mean the time of the insert, written the PostgreSQL way. */
const TIMESTAMP_DEFAULTS = new Set(['now()', 'current_timestamp()', 'CURRENT_TIMESTAMP']);

/**
 * Canonical text of a column default; undefined for no default (NULL). SQLite's own quirks: a
 * bare name (`DEFAULT abc`) or a double-quoted one (`DEFAULT "abc"`) is the string 'abc', since
 * no column is in scope; the outer parentheses of `DEFAULT (expr)` are not part of the value.
 */
export function canonicalDefaultText(expression: string): string | undefined {
  const tokens = expressionTokens(expression);
  if (tokens.length === 0) return undefined;
  if (tokens.length === 1) {
    const token = tokens[0]!;
    if (token.kind === 'ident' || (token.kind === 'word' && !SQLITE_KEYWORDS.has(token.text.toUpperCase()) && token.start >= 0)) {
      return "'" + (token.kind === 'ident' ? token.value : token.text).replaceAll("'", "''") + "'";
    }
  }
  const text = printTokens(tokens);
  if (text === 'NULL') return undefined;
  if (TIMESTAMP_DEFAULTS.has(text)) return 'CURRENT_TIMESTAMP';
  return text;
}
