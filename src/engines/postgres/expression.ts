// Canonical spellings of PostgreSQL types and expressions (DESIGN.md invariant 2).
//
// PostgreSQL keeps CHECK, index, default and generated expressions as parse trees and prints them
// back with ruleutils.c: every sub-expression in parentheses, implicit casts written out, `IN (...)`
// turned into `= ANY (ARRAY[...])`, BETWEEN expanded into two comparisons, LIKE printed as `~~`.
// A person writes the short form. Both go through the same tokenizer -> parser -> rewrite ->
// printer here, so two spellings of one parse tree print as one string. The rewrites below are
// the ones PostgreSQL 15 applies when it stores an expression (checked against a real server).

import { own } from '../../util/own.js';

/** Thrown inside this module only; the public functions never throw. */
class ExpressionSyntaxError extends Error {}

function fail(message: string): never {
  throw new ExpressionSyntaxError(message);
}

// ---------------------------------------------------------------------------------------------
// Identifiers and literals as PostgreSQL prints them

// Keywords quote_identifier() quotes: every category except UNRESERVED
// (`select word from pg_get_keywords() where catcode <> 'U'`, PostgreSQL 15).
const QUOTED_KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization between bigint binary bit ' +
    'boolean both case cast char character check coalesce collate collation column concurrently ' +
    'constraint create cross current_catalog current_date current_role current_schema current_time ' +
    'current_timestamp current_user dec decimal default deferrable desc distinct do else end except ' +
    'exists extract false fetch float for foreign freeze from full grant greatest group grouping ' +
    'having ilike in initially inner inout int integer intersect interval into is isnull join ' +
    'lateral leading least left like limit localtime localtimestamp national natural nchar none ' +
    'normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay ' +
    'placing position precision primary real references returning right row select session_user ' +
    'setof similar smallint some substring symmetric table tablesample then time timestamp to ' +
    'trailing treat trim true union unique user using values varchar variadic verbose when where ' +
    'window with xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse ' +
    'xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

// Reserved keywords (catcode 'R'): never a bare column or function name.
const RESERVED_KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column ' +
    'constraint create current_catalog current_date current_role current_time current_timestamp ' +
    'current_user default deferrable desc distinct do else end except false fetch for foreign from ' +
    'grant group having in initially intersect into lateral leading limit localtime localtimestamp ' +
    'not null offset on only or order placing primary references returning select session_user ' +
    'some symmetric table then to trailing true union unique user using variadic when where window with'
  ).split(' '),
);

/** quote_identifier(): bare when lower-case ASCII and not a keyword, else double-quoted. */
export function quoteIdentifier(name: string): string {
  if (/^[a-z_][a-z0-9_]*$/.test(name) && !QUOTED_KEYWORDS.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

/** With standard_conforming_strings on, PostgreSQL never prints E'' strings; it doubles quotes. */
function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Unquoted identifiers fold to lower case; PostgreSQL folds ASCII letters only. */
function foldCase(word: string): string {
  return word.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/**
 * The digits numeric_out() prints for a numeric literal: `1e3` -> `1000`, `.5` -> `0.5`,
 * `007` -> `7`; the scale (trailing zeros) is kept, as numeric keeps it. Undefined if not a number.
 */
export function canonicalNumber(text: string): string | undefined {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? '-' : '';
  const intDigits = m[2] ?? '';
  const fracDigits = m[3];
  const exponentText = m[4];
  if (intDigits === '' && (fracDigits ?? '') === '') return undefined;
  let result: string;
  if (fracDigits === undefined && exponentText === undefined) {
    result = intDigits.replace(/^0+(?=\d)/, '');
  } else {
    const exponent = Number(exponentText ?? '0');
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) return undefined;
    const digits = intDigits + (fracDigits ?? '');
    const point = intDigits.length + exponent;
    let whole: string;
    let fraction: string;
    if (point <= 0) {
      whole = '0';
      fraction = '0'.repeat(-point) + digits;
    } else if (point >= digits.length) {
      whole = digits + '0'.repeat(point - digits.length);
      fraction = '';
    } else {
      whole = digits.slice(0, point);
      fraction = digits.slice(point);
    }
    whole = whole.replace(/^0+(?=\d)/, '');
    result = fraction === '' ? whole : `${whole}.${fraction}`;
  }
  return /[1-9]/.test(result) ? sign + result : result;
}

/** boolin(): accepts t/true/y/yes/on/1 and f/false/n/no/off/0, prefixes included. */
export function parseBooleanText(text: string): boolean | undefined {
  const s = text.trim().toLowerCase();
  if (s === '') return undefined;
  if ('true'.startsWith(s) || 'yes'.startsWith(s) || s === 'on' || s === '1') return true;
  if ('false'.startsWith(s) || 'no'.startsWith(s) || (s.length >= 2 && 'off'.startsWith(s)) || s === '0') {
    return false;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type TokenKind = 'num' | 'str' | 'bits' | 'ident' | 'qident' | 'op' | 'punct' | 'eof';

interface Token {
  readonly kind: TokenKind;
  /** num: as written; str/bits: the value; ident: case-folded; qident: exact; op/punct: symbol. */
  readonly text: string;
}

const OPERATOR_CHARS = '+-*/<>=~!@#%^&|`?';

function isIdentStart(c: string): boolean {
  return /[A-Za-z_\u0080-\uffff]/.test(c);
}

function isIdentChar(c: string): boolean {
  return /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

function readQuoted(input: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= input.length) fail('unterminated quoted text');
    const c = input[i]!;
    if (c === quote) {
      if (input[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
}

// E'...' strings: backslash escapes, decoded so that E'a\'b' and 'a''b' are the same literal.
function readEscapeString(input: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= input.length) fail('unterminated string');
    const c = input[i]!;
    if (c === "'") {
      if (input[i + 1] === "'") {
        value += "'";
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (c !== '\\') {
      value += c;
      i += 1;
      continue;
    }
    const e = input[i + 1];
    if (e === undefined) fail('unterminated string');
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    const mapped = simple[e];
    if (mapped !== undefined) {
      value += mapped;
      i += 2;
      continue;
    }
    const octal = /^[0-7]{1,3}/.exec(input.slice(i + 1, i + 4));
    if (octal) {
      value += String.fromCharCode(parseInt(octal[0], 8));
      i += 1 + octal[0].length;
      continue;
    }
    const hex = e === 'x' ? /^[0-9A-Fa-f]{1,2}/.exec(input.slice(i + 2, i + 4)) : null;
    if (hex) {
      value += String.fromCharCode(parseInt(hex[0], 16));
      i += 2 + hex[0].length;
      continue;
    }
    if (e === 'u' || e === 'U') {
      const width = e === 'u' ? 4 : 8;
      const code = input.slice(i + 2, i + 2 + width);
      if (!new RegExp(`^[0-9A-Fa-f]{${width}}$`).test(code)) fail('bad unicode escape');
      const point = parseInt(code, 16);
      if (point > 0x10ffff) fail('bad unicode escape');
      value += String.fromCodePoint(point);
      i += 2 + width;
      continue;
    }
    value += e;
    i += 2;
  }
}

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const push = (kind: TokenKind, text: string): void => {
    tokens.push({ kind, text });
  };
  while (i < input.length) {
    const c = input[i]!;
    const next = input[i + 1];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && next === '-') {
      const end = input.indexOf('\n', i);
      i = end < 0 ? input.length : end + 1;
    } else if (c === '/' && next === '*') {
      let depth = 0;
      for (;;) {
        if (i >= input.length) fail('unterminated comment');
        if (input.startsWith('/*', i)) {
          depth += 1;
          i += 2;
        } else if (input.startsWith('*/', i)) {
          depth -= 1;
          i += 2;
          if (depth === 0) break;
        } else {
          i += 1;
        }
      }
    } else if (c === "'") {
      const { value, end } = readQuoted(input, i, "'");
      push('str', value);
      i = end;
    } else if ((c === 'e' || c === 'E') && next === "'") {
      const { value, end } = readEscapeString(input, i + 1);
      push('str', value);
      i = end;
    } else if ((c === 'n' || c === 'N') && next === "'") {
      const { value, end } = readQuoted(input, i + 1, "'");
      push('str', value);
      i = end;
    } else if ((c === 'b' || c === 'B') && next === "'") {
      const { value, end } = readQuoted(input, i + 1, "'");
      if (!/^[01]*$/.test(value)) fail('bad bit string');
      push('bits', value);
      i = end;
    } else if ((c === 'x' || c === 'X') && next === "'") {
      // X'1F' is a bit string written in hex; PostgreSQL stores and prints it as bits.
      const { value, end } = readQuoted(input, i + 1, "'");
      if (!/^[0-9A-Fa-f]*$/.test(value)) fail('bad hex string');
      push('bits', [...value].map((h) => parseInt(h, 16).toString(2).padStart(4, '0')).join(''));
      i = end;
    } else if ((c === 'u' || c === 'U') && next === '&') {
      fail('unicode-escaped literals are not supported');
    } else if (c === '"') {
      const { value, end } = readQuoted(input, i, '"');
      if (value === '') fail('empty quoted identifier');
      push('qident', value);
      i = end;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(input.slice(i));
      if (!m) fail('parameters are not supported');
      const tag = m[0];
      const close = input.indexOf(tag, i + tag.length);
      if (close < 0) fail('unterminated dollar-quoted string');
      push('str', input.slice(i + tag.length, close));
      i = close + tag.length;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i))!;
      i += m[0].length;
      if (i < input.length && isIdentChar(input[i]!)) fail('junk after number');
      push('num', m[0]);
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (end < input.length && isIdentChar(input[end]!)) end += 1;
      push('ident', foldCase(input.slice(i, end)));
      i = end;
    } else if (c === ':') {
      if (next === ':') {
        push('op', '::');
        i += 2;
      } else {
        push('punct', ':');
        i += 1;
      }
    } else if ('()[],.'.includes(c)) {
      push('punct', c);
      i += 1;
    } else if (OPERATOR_CHARS.includes(c)) {
      let end = i;
      while (
        end < input.length &&
        OPERATOR_CHARS.includes(input[end]!) &&
        !(end > i && (input.startsWith('--', end) || input.startsWith('/*', end)))
      ) {
        end += 1;
      }
      let op = input.slice(i, end);
      // scan.l: a multi-character operator cannot end in + or - unless it contains one of
      // ~ ! @ # % ^ & | ` ?, so `a=-1` is `a = -1`.
      while (op.length > 1 && /[+-]$/.test(op) && !/[~!@#%^&|`?]/.test(op)) op = op.slice(0, -1);
      push('op', op);
      i += op.length;
    } else {
      fail(`unexpected character ${JSON.stringify(c)}`);
    }
  }
  tokens.push({ kind: 'eof', text: '' });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Types: format_type() spellings

// Spelling -> canonical base; the bases with type modifiers are formatted in formatType.
const TYPE_ALIASES: Readonly<Record<string, string>> = {
  int: 'integer',
  int4: 'integer',
  integer: 'integer',
  int2: 'smallint',
  smallint: 'smallint',
  int8: 'bigint',
  bigint: 'bigint',
  float4: 'real',
  real: 'real',
  float8: 'double precision',
  float: 'float',
  bool: 'boolean',
  boolean: 'boolean',
  varchar: 'character varying',
  char: 'character',
  character: 'character',
  nchar: 'character',
  bpchar: 'bpchar',
  decimal: 'numeric',
  dec: 'numeric',
  numeric: 'numeric',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  time: 'time',
  timetz: 'timetz',
  varbit: 'bit varying',
  bit: 'bit',
  interval: 'interval',
  serial: 'serial',
  serial4: 'serial',
  bigserial: 'bigserial',
  serial8: 'bigserial',
  smallserial: 'smallserial',
  serial2: 'smallserial',
};

/** Built-in types by canonical base name (no modifiers, no array brackets). */
const BUILTIN_BASES = new Set([
  'smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'money',
  'text', 'character varying', 'character', 'bpchar', '"char"', 'name',
  'bytea', 'boolean', 'date', 'time without time zone', 'time with time zone',
  'timestamp without time zone', 'timestamp with time zone', 'interval', 'uuid', 'json', 'jsonb',
  'jsonpath', 'xml', 'inet', 'cidr', 'macaddr', 'macaddr8', 'tsvector', 'tsquery', 'point', 'line',
  'lseg', 'box', 'path', 'polygon', 'circle', 'bit', 'bit varying', 'oid', 'regclass', 'regtype',
  'regproc', 'regprocedure', 'regoper', 'regoperator', 'regconfig', 'regdictionary',
  'regnamespace', 'regrole', 'regcollation', 'xid', 'xid8', 'cid', 'tid', 'pg_lsn', 'pg_snapshot',
  'txid_snapshot', 'int4range', 'int8range', 'numrange', 'tsrange', 'tstzrange', 'daterange',
  'int4multirange', 'int8multirange', 'nummultirange', 'tsmultirange', 'tstzmultirange',
  'datemultirange', 'serial', 'bigserial', 'smallserial', '"bit"',
]);

// Type names that may continue with more words, modifiers or a time zone clause.
const MULTI_WORD_TYPE_STARTS = new Set([
  'double', 'national', 'character', 'char', 'nchar', 'bit', 'timestamp', 'time', 'interval',
]);

const INTERVAL_FIELDS = new Set(['year', 'month', 'day', 'hour', 'minute', 'second', 'to']);

interface NamePart {
  readonly text: string;
  readonly quoted: boolean;
}

interface TypeSpec {
  /** Canonical base for the special spellings; undefined for a plain (possibly dotted) name. */
  readonly special?: string;
  readonly parts: readonly NamePart[];
  readonly mods: readonly string[];
  readonly withTimeZone?: boolean;
  readonly intervalFields?: string;
  readonly array: boolean;
}

function formatType(spec: TypeSpec): string {
  let parts = spec.parts;
  let array = spec.array;
  let base = spec.special;
  if (base === undefined) {
    if (parts.length === 2 && !parts[0]!.quoted && parts[0]!.text === 'pg_catalog') parts = parts.slice(1);
    const only = parts.length === 1 && !parts[0]!.quoted ? parts[0]!.text : undefined;
    if (only !== undefined) {
      const alias = own(TYPE_ALIASES, only);
      if (alias !== undefined) {
        base = alias;
      } else if (only.startsWith('_') && (own(TYPE_ALIASES, only.slice(1)) !== undefined || BUILTIN_BASES.has(only.slice(1)))) {
        // _int4 is the catalog name of int4[].
        base = own(TYPE_ALIASES, only.slice(1)) ?? only.slice(1);
        array = true;
      } else if (BUILTIN_BASES.has(only)) {
        base = only;
      }
    }
  }
  const mods = spec.mods;
  const modText = mods.length > 0 ? `(${mods.join(',')})` : '';
  const zone = (tz: boolean | undefined): string => (tz ? ' with time zone' : ' without time zone');
  let text: string;
  switch (base) {
    case undefined:
      text = parts.map((p) => quoteIdentifier(p.text)).join('.') + modText;
      break;
    case 'float': {
      const precision = mods.length > 0 ? Number(mods[0]) : 53;
      text = precision <= 24 ? 'real' : 'double precision';
      break;
    }
    case 'numeric':
      text = mods.length === 1 ? `numeric(${mods[0]},0)` : `numeric${modText}`;
      break;
    case 'character':
      text = mods.length > 0 ? `character${modText}` : 'character(1)';
      break;
    case 'bpchar':
      // format_type prints bpchar without a length as `bpchar`: plain `character` means character(1).
      text = mods.length > 0 ? `character${modText}` : 'bpchar';
      break;
    case 'bit':
      text = mods.length > 0 ? `bit${modText}` : 'bit(1)';
      break;
    case 'timestamp':
    case 'time':
      text = `${base}${modText}${zone(spec.withTimeZone)}`;
      break;
    case 'timestamptz':
      text = `timestamp${modText} with time zone`;
      break;
    case 'timetz':
      text = `time${modText} with time zone`;
      break;
    case 'interval':
      text = `interval${spec.intervalFields ? ` ${spec.intervalFields}` : ''}${modText}`;
      break;
    default:
      text = base + modText;
  }
  return array ? `${text}[]` : text;
}

/** Strips modifiers and array brackets: `character varying(10)[]` -> `character varying`. */
export function baseTypeName(canonical: string): string {
  const stripped = canonical.replace(/\[\]$/, '').replace(/\([^)]*\)/g, '').replace(/\s+/g, ' ').trim();
  return stripped.startsWith('interval') ? 'interval' : stripped;
}

export function isArrayType(canonical: string): boolean {
  return canonical.endsWith('[]');
}

export function isBuiltinTypeName(type: string): boolean {
  return BUILTIN_BASES.has(baseTypeName(canonicalTypeName(type)));
}

const NUMERIC_BASES = new Set(['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric', 'oid']);
const TEXT_BASES = new Set(['text', 'character varying', 'character', 'bpchar']);

export function isNumericType(canonical: string): boolean {
  return !isArrayType(canonical) && NUMERIC_BASES.has(baseTypeName(canonical));
}

export function isTextType(canonical: string): boolean {
  return !isArrayType(canonical) && TEXT_BASES.has(baseTypeName(canonical));
}

// ---------------------------------------------------------------------------------------------
// Expression tree

interface WhenClause {
  readonly when: Expr;
  readonly then: Expr;
}

interface SubscriptIndex {
  readonly lo?: Expr;
  readonly hi?: Expr;
  readonly slice: boolean;
}

type Expr =
  | { readonly k: 'num'; readonly v: string }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bits'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' }
  | { readonly k: 'col'; readonly parts: readonly string[] }
  /** SQL value keywords: CURRENT_TIMESTAMP, CURRENT_DATE, LOCALTIMESTAMP(3), ... */
  | { readonly k: 'kw'; readonly name: string; readonly precision?: string }
  /** sqlName: COALESCE, NULLIF, GREATEST, LEAST (SQL syntax, printed in upper case). */
  | { readonly k: 'call'; readonly name: readonly string[]; readonly args: readonly Expr[]; readonly sqlName?: string }
  | { readonly k: 'cast'; readonly e: Expr; readonly type: string }
  | { readonly k: 'prefix'; readonly op: string; readonly e: Expr }
  | { readonly k: 'not'; readonly e: Expr }
  | { readonly k: 'binary'; readonly op: string; readonly l: Expr; readonly r: Expr }
  | { readonly k: 'logic'; readonly op: 'AND' | 'OR'; readonly args: readonly Expr[] }
  | { readonly k: 'is'; readonly e: Expr; readonly test: string }
  | { readonly k: 'distinct'; readonly l: Expr; readonly r: Expr; readonly not: boolean }
  | {
      readonly k: 'like';
      readonly op: 'LIKE' | 'ILIKE';
      readonly not: boolean;
      readonly l: Expr;
      readonly r: Expr;
      readonly escape?: Expr;
    }
  | { readonly k: 'similar'; readonly not: boolean; readonly l: Expr; readonly r: Expr; readonly escape?: Expr }
  | { readonly k: 'in'; readonly e: Expr; readonly list: readonly Expr[]; readonly not: boolean }
  | {
      readonly k: 'between';
      readonly e: Expr;
      readonly lo: Expr;
      readonly hi: Expr;
      readonly not: boolean;
      readonly symmetric: boolean;
    }
  | { readonly k: 'quantified'; readonly op: string; readonly l: Expr; readonly quantifier: 'ANY' | 'ALL'; readonly r: Expr }
  | { readonly k: 'array'; readonly items: readonly Expr[] }
  | { readonly k: 'case'; readonly arg?: Expr; readonly whens: readonly WhenClause[]; readonly otherwise?: Expr }
  | { readonly k: 'subscript'; readonly e: Expr; readonly index: readonly SubscriptIndex[] }
  | { readonly k: 'extract'; readonly field: string; readonly e: Expr }
  | { readonly k: 'substring'; readonly e: Expr; readonly from?: Expr; readonly for?: Expr }
  | { readonly k: 'position'; readonly needle: Expr; readonly haystack: Expr }
  | { readonly k: 'trim'; readonly mode: string; readonly chars?: Expr; readonly e: Expr }
  | { readonly k: 'collate'; readonly e: Expr; readonly collation: readonly string[] }
  | { readonly k: 'atTimeZone'; readonly e: Expr; readonly zone: Expr };

// Binding powers, loosest first, after the operator table of the PostgreSQL manual (4.1.6).
const BP = {
  or: 1,
  and: 2,
  not: 3,
  is: 4,
  compare: 5,
  like: 6,
  other: 7,
  add: 8,
  mul: 9,
  exp: 10,
  atTimeZone: 11,
  collate: 12,
  unary: 13,
  postfix: 14,
  primary: 16,
} as const;

const COMPARISON_OPS = new Set(['=', '<', '>', '<=', '>=', '<>']);

function operatorBp(op: string): number {
  if (COMPARISON_OPS.has(op)) return BP.compare;
  if (op === '+' || op === '-') return BP.add;
  if (op === '*' || op === '/' || op === '%') return BP.mul;
  if (op === '^') return BP.exp;
  return BP.other;
}

// `~~` and friends are how ruleutils prints LIKE/ILIKE.
const LIKE_OPERATORS: Readonly<Record<string, { op: 'LIKE' | 'ILIKE'; not: boolean }>> = {
  '~~': { op: 'LIKE', not: false },
  '!~~': { op: 'LIKE', not: true },
  '~~*': { op: 'ILIKE', not: false },
  '!~~*': { op: 'ILIKE', not: true },
};

const VALUE_KEYWORDS = new Set([
  'current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp',
  'current_user', 'session_user', 'user', 'current_role', 'current_catalog', 'current_schema',
]);
const VALUE_KEYWORDS_WITH_PRECISION = new Set(['current_time', 'current_timestamp', 'localtime', 'localtimestamp']);
const SQL_SYNTAX_CALLS = new Set(['coalesce', 'nullif', 'greatest', 'least']);

// ---------------------------------------------------------------------------------------------
// Parser: Pratt parser over the tokens

class Parser {
  private pos = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parseAll(): Expr {
    const e = this.parseExpr(0);
    if (this.peek().kind !== 'eof') fail(`unexpected ${JSON.stringify(this.peek().text)}`);
    return e;
  }

  /** Reads a whole type name (for canonicalType). */
  parseWholeType(): string {
    const t = this.parseType();
    if (this.peek().kind !== 'eof') fail(`unexpected ${JSON.stringify(this.peek().text)}`);
    return t;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)]!;
  }

  private advance(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos += 1;
    return t;
  }

  private isWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && t.text === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(word)) return false;
    this.pos += 1;
    return true;
  }

  private expectWord(word: string): void {
    if (!this.acceptWord(word)) fail(`expected ${word.toUpperCase()}`);
  }

  private isPunct(p: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === p;
  }

  private acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos += 1;
    return true;
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) fail(`expected ${p}`);
  }

  parseExpr(minBp: number): Expr {
    let left = this.parsePrefix();
    for (;;) {
      const next = this.parseInfix(left, minBp);
      if (next === undefined) return left;
      left = next;
    }
  }

  private parseInfix(left: Expr, minBp: number): Expr | undefined {
    const t = this.peek();
    const binds = (bp: number): boolean => bp > minBp;
    if (t.kind === 'ident') {
      switch (t.text) {
        case 'or':
        case 'and': {
          const bp = t.text === 'or' ? BP.or : BP.and;
          if (!binds(bp)) return undefined;
          this.advance();
          return { k: 'logic', op: t.text === 'or' ? 'OR' : 'AND', args: [left, this.parseExpr(bp)] };
        }
        case 'is':
          return binds(BP.is) ? this.parseIs(left) : undefined;
        case 'isnull':
        case 'notnull':
          if (!binds(BP.is)) return undefined;
          this.advance();
          return { k: 'is', e: left, test: t.text === 'isnull' ? 'NULL' : 'NOT NULL' };
        case 'not': {
          const after = this.peek(1);
          if (after.kind !== 'ident' || !['like', 'ilike', 'in', 'between', 'similar'].includes(after.text)) return undefined;
          if (!binds(BP.like)) return undefined;
          this.advance();
          return this.parseLikeFamily(left, true);
        }
        case 'like':
        case 'ilike':
        case 'in':
        case 'between':
        case 'similar':
          return binds(BP.like) ? this.parseLikeFamily(left, false) : undefined;
        case 'at':
          if (!this.isWord('time', 1) || !this.isWord('zone', 2) || !binds(BP.atTimeZone)) return undefined;
          this.pos += 3;
          return { k: 'atTimeZone', e: left, zone: this.parseExpr(BP.atTimeZone) };
        case 'collate':
          if (!binds(BP.collate)) return undefined;
          this.advance();
          return { k: 'collate', e: left, collation: this.parseNameParts().map((p) => p.text) };
        default:
          return undefined;
      }
    }
    if (t.kind === 'punct' && t.text === '[') {
      if (!binds(BP.postfix)) return undefined;
      return this.parseSubscript(left);
    }
    if (t.kind !== 'op') return undefined;
    if (t.text === '::') {
      if (!binds(BP.postfix)) return undefined;
      this.advance();
      return { k: 'cast', e: left, type: this.parseType() };
    }
    if (t.text === '=>') fail('named arguments are not supported');
    const op = t.text === '!=' ? '<>' : t.text;
    const bp = operatorBp(op);
    if (!binds(bp)) return undefined;
    this.advance();
    if ((this.isWord('any') || this.isWord('some') || this.isWord('all')) && this.isPunct('(', 1)) {
      const quantifier = this.advance().text === 'all' ? 'ALL' : 'ANY';
      this.expectPunct('(');
      if (this.isWord('select') || this.isWord('with') || this.isWord('values')) fail('subqueries are not supported');
      const r = this.parseExpr(0);
      this.expectPunct(')');
      return { k: 'quantified', op, l: left, quantifier, r };
    }
    const r = this.parseExpr(bp);
    const like = own(LIKE_OPERATORS, op);
    if (like) return { k: 'like', op: like.op, not: like.not, l: left, r };
    return { k: 'binary', op, l: left, r };
  }

  private parseIs(left: Expr): Expr {
    this.expectWord('is');
    const not = this.acceptWord('not');
    for (const test of ['null', 'true', 'false', 'unknown']) {
      if (this.acceptWord(test)) return { k: 'is', e: left, test: `${not ? 'NOT ' : ''}${test.toUpperCase()}` };
    }
    if (this.acceptWord('distinct')) {
      this.expectWord('from');
      return { k: 'distinct', l: left, r: this.parseExpr(BP.is), not };
    }
    return fail('unsupported IS test');
  }

  private parseLikeFamily(left: Expr, not: boolean): Expr {
    const word = this.advance().text;
    if (word === 'in') {
      this.expectPunct('(');
      if (this.isWord('select') || this.isWord('with') || this.isWord('values')) fail('subqueries are not supported');
      const list = this.parseList(')');
      if (list.length === 0) fail('empty IN list');
      return { k: 'in', e: left, list, not };
    }
    if (word === 'between') {
      const symmetric = this.acceptWord('symmetric');
      if (!symmetric) this.acceptWord('asymmetric');
      const lo = this.parseExpr(BP.like);
      this.expectWord('and');
      const hi = this.parseExpr(BP.like);
      return { k: 'between', e: left, lo, hi, not, symmetric };
    }
    if (word === 'similar') this.expectWord('to');
    const r = this.parseExpr(BP.like);
    const escape = this.acceptWord('escape') ? this.parseExpr(BP.like) : undefined;
    if (word === 'similar') return { k: 'similar', not, l: left, r, ...(escape ? { escape } : {}) };
    return { k: 'like', op: word === 'ilike' ? 'ILIKE' : 'LIKE', not, l: left, r, ...(escape ? { escape } : {}) };
  }

  private parseSubscript(left: Expr): Expr {
    const index: SubscriptIndex[] = left.k === 'subscript' ? [...left.index] : [];
    const base = left.k === 'subscript' ? left.e : left;
    this.expectPunct('[');
    const lo = this.isPunct(':') ? undefined : this.parseExpr(0);
    if (this.acceptPunct(':')) {
      const hi = this.isPunct(']') ? undefined : this.parseExpr(0);
      index.push({ ...(lo ? { lo } : {}), ...(hi ? { hi } : {}), slice: true });
    } else {
      if (!lo) fail('empty subscript');
      index.push({ lo, slice: false });
    }
    this.expectPunct(']');
    return { k: 'subscript', e: base, index };
  }

  private parseList(close: string): Expr[] {
    const items: Expr[] = [];
    if (this.acceptPunct(close)) return items;
    for (;;) {
      items.push(this.parseExpr(0));
      if (this.acceptPunct(close)) return items;
      this.expectPunct(',');
    }
  }

  private parseNameParts(): NamePart[] {
    const parts: NamePart[] = [];
    for (;;) {
      const t = this.advance();
      if (t.kind === 'ident') parts.push({ text: t.text, quoted: false });
      else if (t.kind === 'qident') parts.push({ text: t.text, quoted: true });
      else fail('expected a name');
      if (!(this.isPunct('.') && (this.peek(1).kind === 'ident' || this.peek(1).kind === 'qident'))) return parts;
      this.advance();
    }
  }

  private parsePrefix(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case 'num':
        this.advance();
        return { k: 'num', v: t.text };
      case 'str':
        this.advance();
        return { k: 'str', v: t.text };
      case 'bits':
        this.advance();
        return { k: 'bits', v: t.text };
      case 'punct':
        if (t.text === '(') {
          this.advance();
          if (this.isWord('select') || this.isWord('with') || this.isWord('values')) fail('subqueries are not supported');
          const inner = this.parseExpr(0);
          if (this.isPunct(',')) fail('row constructors are not supported');
          this.expectPunct(')');
          return inner;
        }
        return fail(`unexpected ${JSON.stringify(t.text)}`);
      case 'op':
        this.advance();
        if (t.text === '-' || t.text === '+') return { k: 'prefix', op: t.text, e: this.parseExpr(BP.unary) };
        if (t.text === '::') fail('unexpected ::');
        return { k: 'prefix', op: t.text, e: this.parseExpr(BP.other) };
      case 'ident':
        return this.parseWord();
      case 'qident':
        return this.parseNameOrCall();
      default:
        return fail('unexpected end of expression');
    }
  }

  private parseWord(): Expr {
    const word = this.peek().text;
    const callFollows = this.isPunct('(', 1);
    switch (word) {
      case 'not':
        this.advance();
        return { k: 'not', e: this.parseExpr(BP.not) };
      case 'true':
      case 'false':
        this.advance();
        return { k: 'bool', v: word === 'true' };
      case 'null':
        this.advance();
        return { k: 'null' };
      case 'case':
        return this.parseCase();
      case 'array':
        this.advance();
        if (!this.isPunct('[')) fail('ARRAY subqueries are not supported');
        return this.parseArrayBody();
      case 'cast': {
        this.advance();
        this.expectPunct('(');
        const e = this.parseExpr(0);
        this.expectWord('as');
        const type = this.parseType();
        this.expectPunct(')');
        return { k: 'cast', e, type };
      }
      case 'exists':
        return fail('subqueries are not supported');
      default:
        break;
    }
    if (callFollows) {
      switch (word) {
        case 'extract':
          return this.parseExtract();
        case 'substring': {
          const special = this.parseSubstring();
          if (special) return special;
          break;
        }
        case 'position':
          return this.parsePosition();
        case 'trim':
          return this.parseTrim();
        default:
          if (SQL_SYNTAX_CALLS.has(word)) {
            this.advance();
            this.advance();
            return { k: 'call', name: [word], args: this.parseCallArgs(), sqlName: word.toUpperCase() };
          }
      }
    }
    if (VALUE_KEYWORDS.has(word)) {
      this.advance();
      const name = word.toUpperCase();
      if (VALUE_KEYWORDS_WITH_PRECISION.has(word) && this.acceptPunct('(')) {
        const p = this.advance();
        if (p.kind !== 'num') fail('expected a precision');
        this.expectPunct(')');
        return { k: 'kw', name, precision: canonicalNumber(p.text) ?? p.text };
      }
      if (word === 'current_schema' && this.acceptPunct('(')) this.expectPunct(')');
      return { k: 'kw', name };
    }
    if (RESERVED_KEYWORDS.has(word)) fail(`unexpected ${word.toUpperCase()}`);
    const typed = this.tryTypedLiteral();
    if (typed) return typed;
    return this.parseNameOrCall();
  }

  // `date '2020-01-01'`, `interval '1 day'`: a type name followed by a string is a cast.
  private tryTypedLiteral(): Expr | undefined {
    const start = this.pos;
    try {
      const type = this.parseType();
      const t = this.peek();
      if (t.kind === 'str') {
        this.advance();
        return { k: 'cast', e: { k: 'str', v: t.text }, type };
      }
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
    }
    this.pos = start;
    return undefined;
  }

  private parseNameOrCall(): Expr {
    const parts = this.parseNameParts();
    if (this.isPunct('.')) fail('unsupported name');
    if (this.acceptPunct('(')) {
      let name = parts.map((p) => p.text);
      // pg_catalog is always on the search path; ruleutils never prints it for built-ins.
      if (name.length === 2 && name[0] === 'pg_catalog' && !parts[0]!.quoted) name = name.slice(1);
      return { k: 'call', name, args: this.parseCallArgs() };
    }
    return { k: 'col', parts: parts.map((p) => p.text) };
  }

  private parseCallArgs(): Expr[] {
    if (this.isWord('distinct') || this.isWord('all') || this.isWord('variadic')) fail('unsupported call');
    if (this.peek().kind === 'op' && this.peek().text === '*') fail('unsupported call');
    const args = this.parseList(')');
    if (this.isWord('over') || this.isWord('filter') || this.isWord('within')) fail('unsupported call');
    return args;
  }

  private parseCase(): Expr {
    this.expectWord('case');
    const arg = this.isWord('when') ? undefined : this.parseExpr(0);
    const whens: WhenClause[] = [];
    while (this.acceptWord('when')) {
      const when = this.parseExpr(0);
      this.expectWord('then');
      whens.push({ when, then: this.parseExpr(0) });
    }
    if (whens.length === 0) fail('CASE without WHEN');
    const otherwise = this.acceptWord('else') ? this.parseExpr(0) : undefined;
    this.expectWord('end');
    return { k: 'case', ...(arg ? { arg } : {}), whens, ...(otherwise ? { otherwise } : {}) };
  }

  private parseArrayBody(): Expr {
    this.expectPunct('[');
    const items: Expr[] = [];
    if (this.acceptPunct(']')) return { k: 'array', items };
    for (;;) {
      // ARRAY[[1, 2], [3, 4]]: inner brackets are sub-arrays; ruleutils prints them as ARRAY[...].
      items.push(this.isPunct('[') ? this.parseArrayBody() : this.parseExpr(0));
      if (this.acceptPunct(']')) return { k: 'array', items };
      this.expectPunct(',');
    }
  }

  private parseExtract(): Expr {
    this.advance();
    this.expectPunct('(');
    const f = this.advance();
    if (f.kind !== 'ident' && f.kind !== 'str') fail('expected an EXTRACT field');
    this.expectWord('from');
    const e = this.parseExpr(0);
    this.expectPunct(')');
    return { k: 'extract', field: foldCase(f.text).toLowerCase(), e };
  }

  // SUBSTRING(x FROM a FOR b); a plain substring(x, a, b) call stays a call, as in PostgreSQL.
  private parseSubstring(): Expr | undefined {
    const start = this.pos;
    this.pos += 2;
    const e = this.parseExpr(0);
    if (!this.isWord('from') && !this.isWord('for')) {
      this.pos = start;
      return undefined;
    }
    const from = this.acceptWord('from') ? this.parseExpr(0) : undefined;
    const forExpr = this.acceptWord('for') ? this.parseExpr(0) : undefined;
    this.expectPunct(')');
    return { k: 'substring', e, ...(from ? { from } : {}), ...(forExpr ? { for: forExpr } : {}) };
  }

  private parsePosition(): Expr {
    this.pos += 2;
    const needle = this.parseExpr(BP.like);
    this.expectWord('in');
    const haystack = this.parseExpr(0);
    this.expectPunct(')');
    return { k: 'position', needle, haystack };
  }

  private parseTrim(): Expr {
    this.pos += 2;
    let mode = 'BOTH';
    for (const m of ['both', 'leading', 'trailing']) {
      if (this.acceptWord(m)) mode = m.toUpperCase();
    }
    let chars: Expr | undefined;
    let e: Expr;
    if (this.acceptWord('from')) {
      e = this.parseExpr(0);
    } else {
      const first = this.parseExpr(0);
      if (this.acceptWord('from')) {
        chars = first;
        e = this.parseExpr(0);
      } else {
        e = first;
        if (this.acceptPunct(',')) chars = this.parseExpr(0);
      }
    }
    this.expectPunct(')');
    return { k: 'trim', mode, ...(chars ? { chars } : {}), e };
  }

  /** A type name as written after `::`, in CAST or in a column definition; returns format_type. */
  parseType(): string {
    const t = this.peek();
    let special: string | undefined;
    let parts: NamePart[] = [];
    const mods: string[] = [];
    let withTimeZone: boolean | undefined;
    let intervalFields: string | undefined;
    if (t.kind === 'ident' && MULTI_WORD_TYPE_STARTS.has(t.text)) {
      const w = this.advance().text;
      if (w === 'double') {
        this.expectWord('precision');
        special = 'double precision';
      } else if (w === 'national' || w === 'character' || w === 'char' || w === 'nchar') {
        if (w === 'national' && !this.acceptWord('character')) this.expectWord('char');
        special = this.acceptWord('varying') ? 'character varying' : w === 'nchar' ? 'character' : own(TYPE_ALIASES, w) ?? 'character';
      } else if (w === 'bit') {
        special = this.acceptWord('varying') ? 'bit varying' : 'bit';
      } else if (w === 'interval') {
        special = 'interval';
        const fields: string[] = [];
        while (this.peek().kind === 'ident' && INTERVAL_FIELDS.has(this.peek().text)) fields.push(this.advance().text);
        if (fields.length > 0) intervalFields = fields.join(' ');
      } else {
        special = w;
      }
    } else {
      parts = this.parseNameParts();
    }
    if (this.isPunct('(')) {
      this.advance();
      for (;;) {
        const m = this.advance();
        if (m.kind === 'num') mods.push(canonicalNumber(m.text) ?? m.text);
        else if (m.kind === 'ident' || m.kind === 'qident') mods.push(m.text);
        else fail('bad type modifier');
        if (this.acceptPunct(')')) break;
        this.expectPunct(',');
      }
    }
    if (special === 'timestamp' || special === 'time') {
      if (this.acceptWord('with')) {
        this.expectWord('time');
        this.expectWord('zone');
        withTimeZone = true;
      } else if (this.acceptWord('without')) {
        this.expectWord('time');
        this.expectWord('zone');
        withTimeZone = false;
      }
    }
    let array = false;
    for (;;) {
      if (this.isPunct('[') && (this.isPunct(']', 1) || (this.peek(1).kind === 'num' && this.isPunct(']', 2)))) {
        this.advance();
        if (this.peek().kind === 'num') this.advance();
        this.advance();
        array = true;
      } else if (this.isWord('array')) {
        this.advance();
        if (this.isPunct('[') && this.peek(1).kind === 'num' && this.isPunct(']', 2)) this.pos += 3;
        array = true;
      } else {
        break;
      }
    }
    if (special !== undefined && parts.length === 0) parts = [{ text: special, quoted: false }];
    return formatType({
      ...(special !== undefined ? { special } : {}),
      parts,
      mods,
      ...(withTimeZone !== undefined ? { withTimeZone } : {}),
      ...(intervalFields !== undefined ? { intervalFields } : {}),
      array,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Rewrites: the transformations PostgreSQL applies when it stores an expression, plus folding
// the spellings ruleutils adds back when it prints one.

export interface ExpressionContext {
  /** Column name -> canonical type of the table the expression belongs to. */
  readonly columnTypes?: ReadonlyMap<string, string>;
}

function isLiteral(e: Expr): boolean {
  return e.k === 'num' || e.k === 'str' || e.k === 'bits' || e.k === 'bool' || e.k === 'null';
}

function isConstantArray(e: Expr): boolean {
  return e.k === 'array' && e.items.length > 0 && e.items.every((item) => isLiteral(item) || isConstantArray(item));
}

function containsColumn(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsColumn);
  if (value === null || typeof value !== 'object') return false;
  if ((value as { k?: unknown }).k === 'col') return true;
  return Object.values(value).some(containsColumn);
}

function logic(op: 'AND' | 'OR', args: readonly Expr[]): Expr {
  // AND/OR are associative; ruleutils prints nested lists differently depending on how the
  // parser built them (`a AND (b AND c)` stays nested), so the canonical form is flat.
  const flat: Expr[] = [];
  for (const a of args) {
    if (a.k === 'logic' && a.op === op) flat.push(...a.args);
    else flat.push(a);
  }
  return flat.length === 1 ? flat[0]! : { k: 'logic', op, args: flat };
}

// transformAExprIn(): constants (no column references) go into one `= ANY (ARRAY[...])` when
// there are at least two; every other element becomes its own `=`, ORed (`<>`, ANDed for NOT IN).
function rewriteIn(e: Expr, list: readonly Expr[], not: boolean): Expr {
  const op = not ? '<>' : '=';
  const constants = list.filter((x) => !containsColumn(x));
  const parts: Expr[] = [];
  let rest = list;
  if (constants.length > 1) {
    parts.push({ k: 'in', e, list: constants, not });
    rest = list.filter((x) => containsColumn(x));
  }
  for (const x of rest) parts.push({ k: 'binary', op, l: e, r: x });
  return logic(not ? 'AND' : 'OR', parts);
}

const TEXT_CAST_TARGETS = new Set(['text', 'character varying', 'bpchar']);

/**
 * The text a type's output function prints for a literal of that type, for the types whose
 * output differs from common spellings: jsonb (`{"a":1}` -> `{"a": 1}`), interval
 * (`1 hour` -> `01:00:00`), timestamp, date and time. Anything not recognized is returned as is.
 */
export function normalizeLiteralText(value: string, type: string): string {
  if (isArrayType(type)) return value;
  switch (baseTypeName(type)) {
    case 'jsonb':
      return normalizeJsonb(value) ?? value;
    case 'interval':
      return normalizeInterval(value) ?? value;
    case 'timestamp without time zone':
      return normalizeTimestamp(value) ?? value;
    case 'date': {
      const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(value);
      return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : value;
    }
    case 'time without time zone':
      return normalizeTime(value) ?? value;
    default:
      return value;
  }
}

/** A string literal coerced to a known type: a number, a boolean, a bit string or normalized text. */
function coerceLiteral(value: string, type: string): Expr {
  const base = baseTypeName(type);
  const array = isArrayType(type);
  if (isNumericType(type)) {
    const n = canonicalNumber(value);
    if (n !== undefined) return { k: 'num', v: n };
  }
  if (!array && base === 'boolean') {
    const b = parseBooleanText(value);
    if (b !== undefined) return { k: 'bool', v: b };
  }
  if (!array && BIT_BASES.has(base) && /^[01]*$/.test(value)) return { k: 'bits', v: value };
  return { k: 'str', v: normalizeLiteralText(value, type) };
}

const BIT_BASES = new Set(['bit', 'bit varying', '"bit"']);

function castLiteral(lit: Expr, type: string): Expr {
  const numeric = isNumericType(type);
  const base = baseTypeName(type);
  const array = isArrayType(type);
  const keep: Expr = { k: 'cast', e: lit, type };
  switch (lit.k) {
    case 'null':
      return lit;
    case 'str':
      // An interval literal keeps its cast: `now() - '1 day'` does not resolve (timestamptz -
      // timestamptz is a candidate too), so dropping it would change what the SQL means.
      if (base === 'interval' && !array) return { k: 'cast', e: { k: 'str', v: normalizeLiteralText(lit.v, type) }, type };
      return coerceLiteral(lit.v, type);
    case 'num':
      return numeric ? lit : keep;
    case 'bool':
      return !array && base === 'boolean' ? lit : keep;
    case 'bits':
      return !array && BIT_BASES.has(base) ? lit : keep;
    default:
      return keep;
  }
}

function columnType(e: Expr, ctx: ExpressionContext): string | undefined {
  return e.k === 'col' ? ctx.columnTypes?.get(e.parts[e.parts.length - 1]!) : undefined;
}

// varchar and char values get an implicit `::text` wherever a text function or operator is applied
// (`lower((email)::text)`, `(COALESCE(email, 'x'::character varying))::text`). Without the column
// types every column counts as text, as PostgreSQL adds these casts far more often than people do.
function isTextValued(e: Expr, ctx: ExpressionContext): boolean {
  if (e.k === 'col') {
    const t = columnType(e, ctx);
    return t === undefined || isTextType(t);
  }
  if (e.k === 'call' && e.sqlName !== undefined) {
    return e.args.some((a) => a.k === 'col') && e.args.every((a) => a.k === 'str' || a.k === 'null' || isTextValued(a, ctx));
  }
  return false;
}

// `col > 'literal'`: the literal takes the column's type. PostgreSQL prints it with that cast
// (`'01:00:00'::interval`), so it becomes exactly what that cast literal canonicalizes to, and the
// result does not depend on whether the caller knew the column types.
function literalAgainst(column: Expr, other: Expr, ctx: ExpressionContext): Expr {
  const type = columnType(column, ctx);
  if (type === undefined) return other;
  if (other.k === 'str') return castLiteral(other, type);
  if (other.k === 'cast' && other.e.k === 'str' && other.type === type) return castLiteral(other.e, type);
  return other;
}

const LITERAL_CONTEXT_OPS = new Set([...COMPARISON_OPS, '@>', '<@']);

function canonicalize(e: Expr, ctx: ExpressionContext): Expr {
  const c = (x: Expr): Expr => canonicalize(x, ctx);
  switch (e.k) {
    case 'num':
      return { k: 'num', v: canonicalNumber(e.v) ?? e.v };
    case 'str':
    case 'bits':
    case 'bool':
    case 'null':
    case 'col':
    case 'kw':
      return e;
    case 'cast': {
      const inner = c(e.e);
      // ruleutils writes the type of every constant (`'x'::text`, `(0)::numeric`); a string
      // literal takes its type from the context anyway, and a number cast to a number type is
      // that number.
      if (isLiteral(inner)) return castLiteral(inner, e.type);
      if (isConstantArray(inner)) return inner;
      if (TEXT_CAST_TARGETS.has(e.type) && isTextValued(inner, ctx)) return inner;
      return { k: 'cast', e: inner, type: e.type };
    }
    case 'call': {
      const args = e.args.map(c);
      const name = e.name.length === 1 && !e.sqlName ? e.name[0] : undefined;
      if ((name === 'now' || name === 'transaction_timestamp') && args.length === 0) {
        return { k: 'kw', name: 'CURRENT_TIMESTAMP' };
      }
      // nextval('seq') is stored with its argument resolved to a regclass constant.
      if (name === 'nextval' && args.length === 1 && args[0]!.k === 'str') {
        return { k: 'call', name: e.name, args: [{ k: 'cast', e: args[0]!, type: 'regclass' }] };
      }
      return { ...e, args };
    }
    case 'prefix': {
      const inner = c(e.e);
      if (inner.k === 'num' && (e.op === '-' || e.op === '+')) {
        if (e.op === '+') return inner;
        const v = inner.v.startsWith('-') ? inner.v.slice(1) : `-${inner.v}`;
        return { k: 'num', v: /[1-9]/.test(v) ? v : v.replace(/^-/, '') };
      }
      return { k: 'prefix', op: e.op, e: inner };
    }
    case 'not':
      return { k: 'not', e: c(e.e) };
    case 'binary': {
      let l = c(e.l);
      let r = c(e.r);
      if (LITERAL_CONTEXT_OPS.has(e.op)) {
        r = literalAgainst(l, r, ctx);
        l = literalAgainst(r, l, ctx);
      }
      return { k: 'binary', op: e.op, l, r };
    }
    case 'logic':
      return logic(e.op, e.args.map(c));
    case 'is':
      return { k: 'is', e: c(e.e), test: e.test };
    case 'distinct': {
      // ruleutils prints IS NOT DISTINCT FROM as NOT (a IS DISTINCT FROM b).
      const d: Expr = { k: 'distinct', l: c(e.l), r: c(e.r), not: false };
      return e.not ? { k: 'not', e: d } : d;
    }
    case 'like': {
      // LIKE ... ESCAPE is stored as the pattern passed through like_escape().
      const r = e.escape ? { k: 'call' as const, name: ['like_escape'], args: [c(e.r), c(e.escape)] } : c(e.r);
      return { k: 'like', op: e.op, not: e.not, l: c(e.l), r };
    }
    case 'similar': {
      // SIMILAR TO is stored as a regular expression match on similar_to_escape(pattern).
      const args = e.escape ? [c(e.r), c(e.escape)] : [c(e.r)];
      return { k: 'binary', op: e.not ? '!~' : '~', l: c(e.l), r: { k: 'call', name: ['similar_to_escape'], args } };
    }
    case 'in': {
      const x = c(e.e);
      return rewriteIn(x, e.list.map((item) => literalAgainst(x, c(item), ctx)), e.not);
    }
    case 'between': {
      // The parser expands BETWEEN; PostgreSQL never stores it.
      const x = c(e.e);
      const lo = c(e.lo);
      const hi = c(e.hi);
      const range = (a: Expr, b: Expr): Expr =>
        e.not
          ? logic('OR', [{ k: 'binary', op: '<', l: x, r: a }, { k: 'binary', op: '>', l: x, r: b }])
          : logic('AND', [{ k: 'binary', op: '>=', l: x, r: a }, { k: 'binary', op: '<=', l: x, r: b }]);
      if (!e.symmetric) return range(lo, hi);
      return e.not ? logic('AND', [range(lo, hi), range(hi, lo)]) : logic('OR', [range(lo, hi), range(hi, lo)]);
    }
    case 'quantified': {
      const l = c(e.l);
      const r = c(e.r);
      if (r.k === 'array' && r.items.length > 0) {
        const items = r.items.map((item) => literalAgainst(l, item, ctx));
        if (e.op === '=' && e.quantifier === 'ANY') return rewriteIn(l, items, false);
        if (e.op === '<>' && e.quantifier === 'ALL') return rewriteIn(l, items, true);
      }
      return { k: 'quantified', op: e.op, l, quantifier: e.quantifier, r };
    }
    case 'array':
      return { k: 'array', items: e.items.map(c) };
    case 'case': {
      const otherwise = e.otherwise ? c(e.otherwise) : undefined;
      return {
        k: 'case',
        ...(e.arg ? { arg: c(e.arg) } : {}),
        whens: e.whens.map((w) => ({ when: c(w.when), then: c(w.then) })),
        // A CASE without ELSE is stored with ELSE NULL, and ruleutils prints it.
        ...(otherwise && otherwise.k !== 'null' ? { otherwise } : {}),
      };
    }
    case 'subscript':
      return {
        k: 'subscript',
        e: c(e.e),
        index: e.index.map((i) => ({ ...(i.lo ? { lo: c(i.lo) } : {}), ...(i.hi ? { hi: c(i.hi) } : {}), slice: i.slice })),
      };
    case 'extract':
      return { k: 'extract', field: e.field, e: c(e.e) };
    case 'substring':
      return { k: 'substring', e: c(e.e), ...(e.from ? { from: c(e.from) } : {}), ...(e.for ? { for: c(e.for) } : {}) };
    case 'position':
      return { k: 'position', needle: c(e.needle), haystack: c(e.haystack) };
    case 'trim':
      return { k: 'trim', mode: e.mode, ...(e.chars ? { chars: c(e.chars) } : {}), e: c(e.e) };
    case 'collate':
      return { k: 'collate', e: c(e.e), collation: e.collation };
    case 'atTimeZone':
      return { k: 'atTimeZone', e: c(e.e), zone: c(e.zone) };
  }
}

// ---------------------------------------------------------------------------------------------
// Printer: minimum parentheses for PostgreSQL's precedence, keywords in upper case

function precedence(e: Expr): number {
  switch (e.k) {
    case 'logic':
      return e.op === 'OR' ? BP.or : BP.and;
    case 'not':
      return e.e.k === 'distinct' ? BP.is : BP.not;
    case 'is':
    case 'distinct':
      return BP.is;
    case 'binary':
    case 'quantified':
      return operatorBp(e.op);
    case 'like':
    case 'similar':
    case 'in':
    case 'between':
      return BP.like;
    case 'atTimeZone':
      return BP.atTimeZone;
    case 'collate':
      return BP.collate;
    case 'prefix':
      return e.op === '-' || e.op === '+' ? BP.unary : BP.other;
    case 'num':
      return e.v.startsWith('-') ? BP.unary : BP.primary;
    case 'cast':
    case 'subscript':
      return BP.postfix;
    default:
      return BP.primary;
  }
}

function wrap(e: Expr, parenthesize: boolean): string {
  const text = print(e);
  return parenthesize ? `(${text})` : text;
}

function printBinary(l: Expr, op: string, r: Expr, bp: number): string {
  const nonAssociative = bp === BP.compare || bp === BP.like || bp === BP.is;
  const pl = precedence(l);
  return `${wrap(l, pl < bp || (nonAssociative && pl === bp))} ${op} ${wrap(r, precedence(r) <= bp)}`;
}

function print(e: Expr): string {
  switch (e.k) {
    case 'num':
      return e.v;
    case 'str':
      return quoteLiteral(e.v);
    case 'bits':
      return `B'${e.v}'`;
    case 'bool':
      return e.v ? 'TRUE' : 'FALSE';
    case 'null':
      return 'NULL';
    case 'col':
      return e.parts.map(quoteIdentifier).join('.');
    case 'kw':
      return e.precision !== undefined ? `${e.name}(${e.precision})` : e.name;
    case 'call':
      return `${e.sqlName ?? e.name.map(quoteIdentifier).join('.')}(${e.args.map(print).join(', ')})`;
    case 'cast':
      return `${wrap(e.e, precedence(e.e) < BP.postfix)}::${e.type}`;
    case 'prefix': {
      const inner = print(e.e);
      const tightEnough = precedence(e.e) >= (e.op === '-' || e.op === '+' ? BP.unary : BP.postfix);
      // `- -a` would lex as a comment and `~-a` as one operator.
      const bare = tightEnough && !/^[-+~!@#%^&|`?*/<>=]/.test(inner);
      return `${e.op}${bare ? inner : `(${inner})`}`;
    }
    case 'not':
      if (e.e.k === 'distinct') return printBinary(e.e.l, 'IS NOT DISTINCT FROM', e.e.r, BP.is);
      return `NOT ${wrap(e.e, precedence(e.e) < BP.postfix)}`;
    case 'binary':
      return printBinary(e.l, e.op, e.r, operatorBp(e.op));
    case 'logic':
      return e.args.map((a) => wrap(a, precedence(a) <= precedence(e))).join(` ${e.op} `);
    case 'is':
      return `${wrap(e.e, precedence(e.e) <= BP.is)} IS ${e.test}`;
    case 'distinct':
      return printBinary(e.l, e.not ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM', e.r, BP.is);
    case 'like': {
      const text = printBinary(e.l, `${e.not ? 'NOT ' : ''}${e.op}`, e.r, BP.like);
      return e.escape ? `${text} ESCAPE ${wrap(e.escape, precedence(e.escape) <= BP.like)}` : text;
    }
    case 'similar': {
      const text = printBinary(e.l, `${e.not ? 'NOT ' : ''}SIMILAR TO`, e.r, BP.like);
      return e.escape ? `${text} ESCAPE ${wrap(e.escape, precedence(e.escape) <= BP.like)}` : text;
    }
    case 'in':
      return `${wrap(e.e, precedence(e.e) <= BP.like)} ${e.not ? 'NOT IN' : 'IN'} (${e.list.map(print).join(', ')})`;
    case 'between': {
      const bound = (x: Expr): string => wrap(x, precedence(x) <= BP.like);
      const keyword = `${e.not ? 'NOT ' : ''}BETWEEN${e.symmetric ? ' SYMMETRIC' : ''}`;
      return `${wrap(e.e, precedence(e.e) <= BP.like)} ${keyword} ${bound(e.lo)} AND ${bound(e.hi)}`;
    }
    case 'quantified': {
      const bp = operatorBp(e.op);
      const pl = precedence(e.l);
      return `${wrap(e.l, pl < bp || (bp === BP.compare && pl === bp))} ${e.op} ${e.quantifier} (${print(e.r)})`;
    }
    case 'array':
      return `ARRAY[${e.items.map(print).join(', ')}]`;
    case 'case': {
      const parts = ['CASE'];
      if (e.arg) parts.push(print(e.arg));
      for (const w of e.whens) parts.push('WHEN', print(w.when), 'THEN', print(w.then));
      if (e.otherwise) parts.push('ELSE', print(e.otherwise));
      parts.push('END');
      return parts.join(' ');
    }
    case 'subscript': {
      const index = e.index
        .map((i) => (i.slice ? `[${i.lo ? print(i.lo) : ''}:${i.hi ? print(i.hi) : ''}]` : `[${i.lo ? print(i.lo) : ''}]`))
        .join('');
      return `${wrap(e.e, e.e.k !== 'col')}${index}`;
    }
    case 'extract':
      return `EXTRACT(${e.field} FROM ${print(e.e)})`;
    case 'substring':
      return `SUBSTRING(${print(e.e)}${e.from ? ` FROM ${print(e.from)}` : ''}${e.for ? ` FOR ${print(e.for)}` : ''})`;
    case 'position':
      // Both operands are b_expr in the grammar: no IN, LIKE, IS, NOT, AND or OR at the top.
      return `POSITION(${wrap(e.needle, precedence(e.needle) <= BP.like)} IN ${wrap(e.haystack, precedence(e.haystack) <= BP.like)})`;
    case 'trim':
      return `TRIM(${e.mode}${e.chars ? ` ${print(e.chars)}` : ''} FROM ${print(e.e)})`;
    case 'collate':
      return `${wrap(e.e, precedence(e.e) < BP.collate)} COLLATE ${e.collation.map(quoteIdentifier).join('.')}`;
    case 'atTimeZone':
      return `${wrap(e.e, precedence(e.e) < BP.atTimeZone)} AT TIME ZONE ${wrap(e.zone, precedence(e.zone) <= BP.atTimeZone)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Output forms of literals (jsonb_out, interval_out, timestamp_out with DateStyle ISO)

type JsonValue =
  | { readonly t: 'scalar'; readonly text: string }
  | { readonly t: 'array'; readonly items: readonly JsonValue[] }
  | { readonly t: 'object'; readonly entries: ReadonlyMap<string, JsonValue> };

function escapeJsonString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function parseJson(text: string): JsonValue | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  };
  const value = (depth: number): JsonValue => {
    if (depth > 200) fail('json too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i += 1;
      const entries = new Map<string, JsonValue>();
      ws();
      if (text[i] === '}') {
        i += 1;
        return { t: 'object', entries };
      }
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i] !== ':') fail('json: expected :');
        i += 1;
        // jsonb keeps the last of duplicate keys.
        entries.delete(key);
        entries.set(key, value(depth + 1));
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === '}') {
          i += 1;
          return { t: 'object', entries };
        }
        fail('json: expected , or }');
      }
    }
    if (c === '[') {
      i += 1;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') {
        i += 1;
        return { t: 'array', items };
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === ']') {
          i += 1;
          return { t: 'array', items };
        }
        fail('json: expected , or ]');
      }
    }
    if (c === '"') return { t: 'scalar', text: escapeJsonString(string()) };
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) fail('json: bad value');
    i += m[0].length;
    const word = m[0];
    return { t: 'scalar', text: /^[tfn]/.test(word) ? word : canonicalNumber(word) ?? word };
  };
  const string = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4}))*"/.exec(text.slice(i));
    if (!m) fail('json: bad string');
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  try {
    const v = value(0);
    ws();
    return i === text.length ? v : undefined;
  } catch {
    return undefined;
  }
}

// jsonb orders object keys by length, then bytewise.
function compareJsonbKeys(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length !== bb.length ? ba.length - bb.length : Buffer.compare(ba, bb);
}

function printJsonb(v: JsonValue): string {
  if (v.t === 'scalar') return v.text;
  if (v.t === 'array') return `[${v.items.map(printJsonb).join(', ')}]`;
  const keys = [...v.entries.keys()].sort(compareJsonbKeys);
  return `{${keys.map((k) => `${escapeJsonString(k)}: ${printJsonb(v.entries.get(k)!)}`).join(', ')}}`;
}

function normalizeJsonb(text: string): string | undefined {
  const v = parseJson(text);
  return v === undefined ? undefined : printJsonb(v);
}

interface IntervalUnit {
  readonly months?: number;
  readonly days?: number;
  readonly micros?: number;
}

// The unit spellings interval_in accepts (datetktbl in datetime.c).
const INTERVAL_UNITS = new Map<string, IntervalUnit>();
for (const [names, unit] of [
  ['year years yr yrs y', { months: 12 }],
  ['month months mon mons', { months: 1 }],
  ['week weeks w', { days: 7 }],
  ['day days d', { days: 1 }],
  ['hour hours hr hrs h', { micros: 3_600_000_000 }],
  ['minute minutes min mins m', { micros: 60_000_000 }],
  ['second seconds sec secs s', { micros: 1_000_000 }],
  ['millisecond milliseconds ms msec msecs', { micros: 1000 }],
  ['microsecond microseconds us usec usecs', { micros: 1 }],
] as const) {
  for (const name of names.split(' ')) INTERVAL_UNITS.set(name, unit);
}

function formatClock(micros: number): string {
  const totalSeconds = Math.floor(micros / 1_000_000);
  const fraction = micros % 1_000_000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const frac = fraction === 0 ? '' : `.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}${frac}`;
}

/** interval_out with IntervalStyle postgres, for non-negative whole-unit intervals. */
function normalizeInterval(text: string): string | undefined {
  let rest = text.trim().toLowerCase().replace(/^@\s*/, '');
  if (rest === '') return undefined;
  let months = 0;
  let days = 0;
  let micros = 0;
  while (rest !== '') {
    const clock = /^(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?(?:\s+|$)/.exec(rest);
    if (clock) {
      micros += (Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? '0')) * 1_000_000;
      rest = rest.slice(clock[0].length);
      continue;
    }
    // A number without a unit is seconds (`'10'::interval` is 00:00:10).
    const part = /^(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*/.exec(rest);
    const unit = part ? INTERVAL_UNITS.get(part[2] === '' ? 'second' : part[2]!) : undefined;
    if (!part || !unit) return undefined;
    const amount = Number(part[1]);
    if (unit.months !== undefined) {
      if (!Number.isInteger(amount * unit.months)) return undefined;
      months += amount * unit.months;
    } else if (unit.days !== undefined) {
      const whole = Math.floor(amount * unit.days);
      days += whole;
      micros += (amount * unit.days - whole) * 86_400_000_000;
    } else {
      micros += amount * unit.micros!;
    }
    rest = rest.slice(part[0].length);
  }
  micros = Math.round(micros);
  if (!Number.isSafeInteger(micros) || !Number.isSafeInteger(months) || !Number.isSafeInteger(days)) return undefined;
  const out: string[] = [];
  const years = Math.floor(months / 12);
  const mons = months % 12;
  if (years !== 0) out.push(`${years} year${years === 1 ? '' : 's'}`);
  if (mons !== 0) out.push(`${mons} mon${mons === 1 ? '' : 's'}`);
  if (days !== 0) out.push(`${days} day${days === 1 ? '' : 's'}`);
  if (micros !== 0 || out.length === 0) out.push(formatClock(micros));
  return out.join(' ');
}

function normalizeTimeOfDay(text: string): string | undefined {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/.exec(text);
  if (!m) return undefined;
  const frac = (m[4] ?? '').replace(/0+$/, '').replace(/^\.$/, '');
  return `${m[1]!.padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}${frac}`;
}

function normalizeTime(text: string): string | undefined {
  return normalizeTimeOfDay(text.trim());
}

/** timestamp_out with DateStyle ISO: `2020-01-01` -> `2020-01-01 00:00:00`. */
function normalizeTimestamp(text: string): string | undefined {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:\s+|T)(\S+))?\s*$/.exec(text);
  if (!m) return undefined;
  const time = m[4] === undefined ? '00:00:00' : normalizeTimeOfDay(m[4]);
  if (time === undefined) return undefined;
  return `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')} ${time}`;
}

// ---------------------------------------------------------------------------------------------
// Fallback for what the parser does not cover: the same tokens, spaced one way, so that at least
// case and whitespace differences disappear.

const FALLBACK_KEYWORDS = new Set([
  ...RESERVED_KEYWORDS,
  'is', 'isnull', 'notnull', 'like', 'ilike', 'similar', 'between', 'escape', 'exists', 'over',
  'filter', 'within', 'coalesce', 'nullif', 'greatest', 'least', 'extract', 'overlaps', 'row',
  'values', 'zone', 'at', 'distinct',
]);

function fallbackText(input: string): string {
  let tokens: Token[];
  try {
    tokens = tokenize(input);
  } catch {
    return input.replace(/\s+/g, ' ').trim();
  }
  let out = '';
  let prev: Token | undefined;
  for (const t of tokens) {
    if (t.kind === 'eof') break;
    let text: string;
    switch (t.kind) {
      case 'str':
        text = quoteLiteral(t.text);
        break;
      case 'bits':
        text = `B'${t.text}'`;
        break;
      case 'ident':
        text = FALLBACK_KEYWORDS.has(t.text) ? t.text.toUpperCase() : t.text;
        break;
      case 'qident':
        text = quoteIdentifier(t.text);
        break;
      default:
        text = t.text === '!=' ? '<>' : t.text;
    }
    const tight =
      prev === undefined ||
      (prev.kind === 'punct' && (prev.text === '(' || prev.text === '[' || prev.text === '.')) ||
      (prev.kind === 'op' && prev.text === '::') ||
      (t.kind === 'punct' && [')', ']', ',', '.', '['].includes(t.text)) ||
      (t.kind === 'op' && t.text === '::') ||
      (t.kind === 'punct' &&
        t.text === '(' &&
        (prev.kind === 'qident' || (prev.kind === 'ident' && !FALLBACK_KEYWORDS.has(prev.text))));
    out += tight ? text : ` ${text}`;
    prev = t;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Entry points

function parseExpression(text: string): Expr {
  return new Parser(tokenize(text)).parseAll();
}

/** format_type() spelling of a type name; never throws (unparseable names are case-folded). */
export function canonicalTypeName(type: string): string {
  try {
    return new Parser(tokenize(type)).parseWholeType();
  } catch {
    return type
      .trim()
      .split(/("(?:[^"]|"")*")/)
      .map((piece, i) => (i % 2 === 1 ? piece : foldCase(piece).replace(/\s+/g, ' ')))
      .join('');
  }
}

/** Canonical text of an expression; never throws. */
export function canonicalExpressionText(text: string, ctx: ExpressionContext = {}): string {
  try {
    return print(canonicalize(parseExpression(text), ctx));
  } catch {
    return fallbackText(text);
  }
}

/**
 * Canonical text of a column default for a column of the given canonical type; undefined when
 * the default is NULL (PostgreSQL stores no default for DEFAULT NULL).
 */
export function canonicalDefaultText(text: string, type: string): string | undefined {
  if (text.trim() === '') return undefined;
  let e: Expr;
  try {
    e = canonicalize(parseExpression(text), {});
  } catch {
    const fallback = fallbackText(text);
    return fallback === 'NULL' || fallback === '' ? undefined : fallback;
  }
  if (e.k === 'null') return undefined;
  // A literal cast to the column's own type is what the column does to the default anyway.
  if (e.k === 'cast' && e.e.k === 'str' && (e.type === type || isTextType(e.type))) e = e.e;
  // The default is coerced to the column type when stored: '42' on an integer column is 42,
  // 't' on a boolean column is true, '{"a":1}' on a jsonb column is '{"a": 1}'.
  if (e.k === 'str') e = coerceLiteral(e.v, type);
  return print(e);
}

/** The column name when the expression is nothing but a bare column reference. */
export function simpleColumnName(text: string): string | undefined {
  try {
    const e = canonicalize(parseExpression(text), {});
    return e.k === 'col' && e.parts.length === 1 ? e.parts[0] : undefined;
  } catch {
    return undefined;
  }
}
