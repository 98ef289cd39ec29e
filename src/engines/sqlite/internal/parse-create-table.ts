// The parts of SQLite DDL no pragma reports: constraint names, CHECK expressions, generated-column
// expressions, column collations, AUTOINCREMENT, DEFERRABLE, index key expressions and partial
// index predicates. SQLite keeps each CREATE statement in sqlite_schema as written (after
// normalizing only its first keywords), so these are parsed from that text.
//
// A tokenizer-based parser of the grammar of https://sqlite.org/lang_createtable.html and
// lang_createindex.html. It never throws: on something it does not understand it records a
// problem, skips to the end of that column or constraint, and goes on; the caller decides what
// to do with a definition it could only partly read.
import { splitCollate } from './expression.js';
import { isWord, matchingParen, sqlTokens, type SqlToken } from './sql-tokens.js';

export interface ParsedColumn {
  readonly name: string;
  /** The declared type as written; '' when there is none. */
  readonly type: string;
  readonly notNull: boolean;
  readonly primaryKey: boolean;
  readonly autoincrement: boolean;
  /** The text of the default as written, without the parentheses of `DEFAULT (expr)`. */
  readonly default?: string;
  /** As written, unquoted. */
  readonly collation?: string;
  readonly generated?: { readonly expression: string; readonly stored: boolean };
}

export interface ParsedKeyConstraint {
  readonly name?: string;
  readonly columns: readonly string[];
}

export interface ParsedCheck {
  readonly name?: string;
  readonly expression: string;
  /** Set for a column constraint: the column it is written on. */
  readonly column?: string;
}

export interface ParsedForeignKey {
  readonly name?: string;
  readonly columns: readonly string[];
  readonly refTable: string;
  /** Empty when the clause names no columns: the referenced table's primary key. */
  readonly refColumns: readonly string[];
  /** Upper-case action, e.g. `SET NULL`; absent when not written (NO ACTION). */
  readonly onDelete?: string;
  readonly onUpdate?: string;
  readonly match?: string;
  readonly deferrable: boolean;
  readonly initiallyDeferred: boolean;
}

export interface ParsedCreateTable {
  readonly name: string;
  readonly columns: readonly ParsedColumn[];
  readonly primaryKey?: ParsedKeyConstraint & { readonly autoincrement: boolean };
  /** Column constraints (in column order) first, then table constraints, in the order written. */
  readonly uniques: readonly ParsedKeyConstraint[];
  readonly checks: readonly ParsedCheck[];
  readonly foreignKeys: readonly ParsedForeignKey[];
  readonly withoutRowid: boolean;
  readonly strict: boolean;
  /** What could not be read; empty when the whole statement was understood. */
  readonly problems: readonly string[];
}

export interface ParsedIndexKey {
  /** The key as written, with its COLLATE and ASC/DESC. */
  readonly text: string;
  /** The key's expression (or column name) as written, without COLLATE and ASC/DESC. */
  readonly expression: string;
  /** Upper-case collation of an explicit COLLATE. */
  readonly collation?: string;
  readonly descending: boolean;
}

export interface ParsedCreateIndex {
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  readonly keys: readonly ParsedIndexKey[];
  /** The partial-index predicate as written. */
  readonly where?: string;
  readonly problems: readonly string[];
}

/** Words that end a column's type: the first word of every column constraint. */
const COLUMN_CONSTRAINT_START = ['CONSTRAINT', 'PRIMARY', 'NOT', 'NULL', 'UNIQUE', 'CHECK', 'DEFAULT', 'COLLATE', 'REFERENCES', 'GENERATED', 'AS'];
const TABLE_CONSTRAINT_START = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

class Cursor {
  readonly tokens: SqlToken[];
  pos = 0;

  /** Position the cursor may not pass: the `)` closing a list, or the end. */
  limit: number;

  constructor(
    readonly sql: string,
    tokens?: SqlToken[],
  ) {
    if (tokens === undefined) {
      tokens = sqlTokens(sql);
      while (tokens.length > 0 && tokens[tokens.length - 1]!.kind === ';') tokens.pop();
    }
    this.tokens = tokens;
    this.limit = tokens.length;
  }

  peek(offset = 0): SqlToken | undefined {
    const at = this.pos + offset;
    return at < this.limit ? this.tokens[at] : undefined;
  }

  atEnd(): boolean {
    return this.pos >= this.limit;
  }

  is(kind: SqlToken['kind']): boolean {
    return this.peek()?.kind === kind;
  }

  /** Consumes the words if they come next, in order; otherwise consumes nothing. */
  words(...words: string[]): boolean {
    for (let i = 0; i < words.length; i++) if (!isWord(this.peek(i), words[i]!)) return false;
    this.pos += words.length;
    return true;
  }

  /** Consumes one of the words if it comes next and returns it upper-case. */
  oneOf(...words: string[]): string | undefined {
    const token = this.peek();
    if (token === undefined || !isWord(token, ...words)) return undefined;
    this.pos++;
    return token.text.toUpperCase();
  }

  /** A name: bare, "quoted", [bracketed], `backticked` or a 'string' (SQLite accepts all four). */
  name(): string | undefined {
    const token = this.peek();
    if (token === undefined || (token.kind !== 'word' && token.kind !== 'ident' && token.kind !== 'string')) return undefined;
    this.pos++;
    return token.value;
  }

  /** `schema.name` or `name`: the name. */
  qualifiedName(): string | undefined {
    const first = this.name();
    if (first !== undefined && this.is('.')) {
      this.pos++;
      return this.name();
    }
    return first;
  }

  text(from: number, to: number): string {
    if (to <= from) return '';
    return this.sql.slice(this.tokens[from]!.start, this.tokens[to - 1]!.end);
  }

  /** The text between `(` at the cursor and its `)`, consuming both; undefined if no `(` is there. */
  parenthesized(): string | undefined {
    if (!this.is('(')) return undefined;
    const close = matchingParen(this.tokens, this.pos);
    if (close < 0 || close >= this.limit) return undefined;
    const inner = this.text(this.pos + 1, close);
    this.pos = close + 1;
    return inner;
  }

  /** Moves to the next `,` at this nesting depth, or to the limit. */
  skipToComma(): void {
    while (!this.atEnd() && !this.is(',')) {
      if (this.is('(')) {
        const close = matchingParen(this.tokens, this.pos);
        this.pos = close < 0 || close >= this.limit ? this.limit : close + 1;
      } else this.pos++;
    }
  }

  /** `ON CONFLICT ROLLBACK|ABORT|FAIL|IGNORE|REPLACE`: parsed, not recorded (the model has no place for it). */
  conflictClause(): void {
    if (this.words('ON', 'CONFLICT')) this.pos++;
  }

  describe(): string {
    const token = this.peek();
    return token === undefined ? 'the end' : `'${token.text}'`;
  }
}

/** Names in `(a, b COLLATE x DESC, ...)`; the `AUTOINCREMENT` SQLite also accepts inside a PRIMARY KEY list. */
function nameList(c: Cursor): { names: string[]; autoincrement: boolean } | undefined {
  if (!c.is('(')) return undefined;
  const close = matchingParen(c.tokens, c.pos);
  if (close < 0 || close >= c.limit) return undefined;
  const inner = new Cursor(c.sql, c.tokens);
  inner.pos = c.pos + 1;
  inner.limit = close;
  const names: string[] = [];
  let autoincrement = false;
  while (!inner.atEnd()) {
    const name = inner.name();
    if (name !== undefined) names.push(name);
    while (!inner.atEnd() && !inner.is(',')) {
      if (inner.words('AUTOINCREMENT')) autoincrement = true;
      else inner.pos++;
    }
    if (inner.is(',')) inner.pos++;
  }
  c.pos = close + 1;
  return { names, autoincrement };
}

const ACTIONS = ['SET NULL', 'SET DEFAULT', 'CASCADE', 'RESTRICT', 'NO ACTION'];

/** The rest of `REFERENCES t [(cols)] [ON DELETE|UPDATE action] [MATCH m] [[NOT] DEFERRABLE [INITIALLY ...]]`. */
function foreignKeyClause(c: Cursor, columns: readonly string[], name: string | undefined, problems: string[]): ParsedForeignKey | undefined {
  const refTable = c.qualifiedName();
  if (refTable === undefined) {
    problems.push(`expected a table name after REFERENCES, found ${c.describe()}`);
    return undefined;
  }
  const refColumns = c.is('(') ? (nameList(c)?.names ?? []) : [];
  let onDelete: string | undefined;
  let onUpdate: string | undefined;
  let match: string | undefined;
  let deferrable = false;
  let initiallyDeferred = false;
  for (;;) {
    if (c.words('ON')) {
      // SQLite parses ON INSERT too, and ignores it.
      const event = c.oneOf('DELETE', 'UPDATE', 'INSERT');
      const action = ACTIONS.find((a) => c.words(...a.split(' ')));
      if (event === undefined || action === undefined) {
        problems.push(`unreadable ON clause of the foreign key to ${refTable} at ${c.describe()}`);
        return undefined;
      }
      if (event === 'DELETE') onDelete = action;
      else if (event === 'UPDATE') onUpdate = action;
    } else if (c.words('MATCH')) {
      match = c.name()?.toUpperCase();
    } else if (c.words('NOT', 'DEFERRABLE')) {
      deferrable = false;
      if (c.words('INITIALLY')) c.oneOf('DEFERRED', 'IMMEDIATE');
    } else if (c.words('DEFERRABLE')) {
      deferrable = true;
      if (c.words('INITIALLY')) initiallyDeferred = c.oneOf('DEFERRED', 'IMMEDIATE') === 'DEFERRED';
    } else break;
  }
  return {
    ...(name !== undefined && { name }),
    columns: [...columns],
    refTable,
    refColumns,
    ...(onDelete !== undefined && { onDelete }),
    ...(onUpdate !== undefined && { onUpdate }),
    ...(match !== undefined && { match }),
    deferrable,
    initiallyDeferred,
  };
}

interface TableParts {
  readonly columns: ParsedColumn[];
  primaryKey?: ParsedKeyConstraint & { readonly autoincrement: boolean };
  readonly uniques: ParsedKeyConstraint[];
  readonly checks: ParsedCheck[];
  readonly foreignKeys: ParsedForeignKey[];
  readonly problems: string[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The default's text as pragma table_info reports it: a parenthesized expression without its parentheses. */
function defaultValue(c: Cursor): string | undefined {
  if (c.is('(')) return c.parenthesized();
  const start = c.pos;
  const token = c.peek();
  if (token === undefined) return undefined;
  const literal = (t: SqlToken | undefined): boolean =>
    t !== undefined && (t.kind === 'word' || t.kind === 'ident' || t.kind === 'string' || t.kind === 'number' || t.kind === 'blob');
  // `DEFAULT -1`, and SQLite's grammar allows a sign before any literal (`DEFAULT -'1'`).
  if (token.kind === 'op' && (token.text === '-' || token.text === '+') && literal(c.peek(1))) c.pos += 2;
  else if (literal(token)) c.pos++;
  else return undefined;
  return c.text(start, c.pos);
}

function parseColumn(c: Cursor, parts: TableParts): void {
  const problems = parts.problems;
  const name = c.name();
  if (name === undefined) {
    problems.push(`expected a column name, found ${c.describe()}`);
    c.skipToComma();
    return;
  }
  const typeStart = c.pos;
  while ((c.is('word') || c.is('ident') || c.is('string')) && !isWord(c.peek(), ...COLUMN_CONSTRAINT_START)) c.pos++;
  if (c.is('(') && c.pos > typeStart) {
    const close = matchingParen(c.tokens, c.pos);
    c.pos = close < 0 || close >= c.limit ? c.limit : close + 1;
  }
  const column: Mutable<ParsedColumn> = { name, type: c.text(typeStart, c.pos), notNull: false, primaryKey: false, autoincrement: false };
  while (!c.atEnd() && !c.is(',')) {
    let constraintName: string | undefined;
    if (c.words('CONSTRAINT')) {
      constraintName = c.name();
      if (c.atEnd() || c.is(',')) break;
    }
    if (c.words('PRIMARY', 'KEY')) {
      c.oneOf('ASC', 'DESC');
      c.conflictClause();
      column.primaryKey = true;
      if (c.words('AUTOINCREMENT')) column.autoincrement = true;
      parts.primaryKey = { ...(constraintName !== undefined && { name: constraintName }), columns: [name], autoincrement: column.autoincrement };
    } else if (c.words('NOT', 'NULL')) {
      column.notNull = true;
      c.conflictClause();
    } else if (c.words('NULL')) {
      c.conflictClause();
    } else if (c.words('UNIQUE')) {
      c.conflictClause();
      parts.uniques.push({ ...(constraintName !== undefined && { name: constraintName }), columns: [name] });
    } else if (c.words('CHECK')) {
      const expression = c.parenthesized();
      if (expression === undefined) {
        problems.push(`unreadable CHECK of column ${name}`);
        break;
      }
      parts.checks.push({ ...(constraintName !== undefined && { name: constraintName }), expression, column: name });
    } else if (c.words('DEFAULT')) {
      const value = defaultValue(c);
      if (value === undefined) {
        problems.push(`unreadable DEFAULT of column ${name}`);
        break;
      }
      column.default = value;
    } else if (c.words('COLLATE')) {
      const collation = c.name();
      if (collation === undefined) {
        problems.push(`unreadable COLLATE of column ${name}`);
        break;
      }
      column.collation = collation;
    } else if (c.words('REFERENCES')) {
      const fk = foreignKeyClause(c, [name], constraintName, problems);
      if (fk === undefined) break;
      parts.foreignKeys.push(fk);
    } else if (c.words('GENERATED', 'ALWAYS', 'AS') || c.words('AS')) {
      const expression = c.parenthesized();
      if (expression === undefined) {
        problems.push(`unreadable generated expression of column ${name}`);
        break;
      }
      const kind = c.oneOf('STORED', 'VIRTUAL');
      column.generated = { expression, stored: kind === 'STORED' };
    } else {
      problems.push(`unexpected ${c.describe()} in the definition of column ${name}`);
      break;
    }
  }
  c.skipToComma();
  parts.columns.push(column);
}

function parseTableConstraint(c: Cursor, parts: TableParts): void {
  const problems = parts.problems;
  let name: string | undefined;
  if (c.words('CONSTRAINT')) {
    name = c.name();
    // SQLite accepts a CONSTRAINT name that names nothing.
    if (c.atEnd() || c.is(',')) return;
  }
  const named = name !== undefined ? { name } : {};
  if (c.words('PRIMARY', 'KEY')) {
    const list = nameList(c);
    if (list === undefined) problems.push('unreadable PRIMARY KEY column list');
    else parts.primaryKey = { ...named, columns: list.names, autoincrement: list.autoincrement };
    c.conflictClause();
  } else if (c.words('UNIQUE')) {
    const list = nameList(c);
    if (list === undefined) problems.push('unreadable UNIQUE column list');
    else parts.uniques.push({ ...named, columns: list.names });
    c.conflictClause();
  } else if (c.words('CHECK')) {
    const expression = c.parenthesized();
    if (expression === undefined) problems.push('unreadable CHECK constraint');
    else parts.checks.push({ ...named, expression });
    c.conflictClause();
  } else if (c.words('FOREIGN', 'KEY')) {
    const list = nameList(c);
    if (list === undefined || !c.words('REFERENCES')) problems.push('unreadable FOREIGN KEY constraint');
    else {
      const fk = foreignKeyClause(c, list.names, name, problems);
      if (fk !== undefined) parts.foreignKeys.push(fk);
    }
  } else {
    problems.push(`unexpected ${c.describe()} in a table constraint`);
    c.skipToComma();
  }
}

/** Parses a CREATE TABLE statement as sqlite_schema holds it. */
export function parseCreateTable(sql: string): ParsedCreateTable {
  const c = new Cursor(sql);
  const parts: TableParts = { columns: [], uniques: [], checks: [], foreignKeys: [], problems: [] };
  let withoutRowid = false;
  let strict = false;
  let name = '';
  const result = (): ParsedCreateTable => ({
    name,
    columns: parts.columns,
    ...(parts.primaryKey !== undefined && { primaryKey: parts.primaryKey }),
    uniques: parts.uniques,
    checks: parts.checks,
    foreignKeys: parts.foreignKeys,
    withoutRowid,
    strict,
    problems: parts.problems,
  });
  if (!c.words('CREATE')) {
    parts.problems.push('not a CREATE TABLE statement');
    return result();
  }
  c.oneOf('TEMP', 'TEMPORARY');
  if (!c.words('TABLE')) {
    parts.problems.push('not a CREATE TABLE statement');
    return result();
  }
  c.words('IF', 'NOT', 'EXISTS');
  name = c.qualifiedName() ?? '';
  if (!c.is('(')) {
    parts.problems.push('no column definitions');
    return result();
  }
  let close = matchingParen(c.tokens, c.pos);
  if (close < 0) {
    parts.problems.push('the column definitions are not closed');
    close = c.tokens.length;
  }
  c.pos++;
  c.limit = close;
  let inConstraints = false;
  while (!c.atEnd()) {
    const start = c.pos;
    if (isWord(c.peek(), ...TABLE_CONSTRAINT_START)) {
      inConstraints = true;
      parseTableConstraint(c, parts);
    } else if (!inConstraints) {
      parseColumn(c, parts);
    } else {
      parts.problems.push(`unexpected ${c.describe()} among the table constraints`);
      c.skipToComma();
    }
    if (c.is(',')) c.pos++;
    else if (!c.atEnd() && !(inConstraints && isWord(c.peek(), ...TABLE_CONSTRAINT_START))) {
      // Table constraints may follow each other without a comma; nothing else may.
      parts.problems.push(`unexpected ${c.describe()}`);
      c.skipToComma();
      if (c.is(',')) c.pos++;
    }
    if (c.pos === start) c.pos++;
  }
  c.limit = c.tokens.length;
  c.pos = close + 1;
  while (!c.atEnd()) {
    if (c.words('WITHOUT', 'ROWID')) withoutRowid = true;
    else if (c.words('STRICT')) strict = true;
    else if (!c.is(',')) {
      parts.problems.push(`unexpected table option ${c.describe()}`);
      break;
    }
    if (c.is(',')) c.pos++;
  }
  return result();
}

/** Parses a CREATE INDEX statement as sqlite_schema holds it. */
export function parseCreateIndex(sql: string): ParsedCreateIndex {
  const c = new Cursor(sql);
  const problems: string[] = [];
  const keys: ParsedIndexKey[] = [];
  let name = '';
  let table = '';
  let unique = false;
  let where: string | undefined;
  const result = (): ParsedCreateIndex => ({ name, table, unique, keys, ...(where !== undefined && { where }), problems });
  if (!c.words('CREATE')) {
    problems.push('not a CREATE INDEX statement');
    return result();
  }
  unique = c.words('UNIQUE');
  if (!c.words('INDEX')) {
    problems.push('not a CREATE INDEX statement');
    return result();
  }
  c.words('IF', 'NOT', 'EXISTS');
  name = c.qualifiedName() ?? '';
  if (!c.words('ON')) {
    problems.push(`expected ON, found ${c.describe()}`);
    return result();
  }
  table = c.name() ?? '';
  const close = c.is('(') ? matchingParen(c.tokens, c.pos) : -1;
  if (close < 0) {
    problems.push('no key list');
    return result();
  }
  let from = c.pos + 1;
  let depth = 0;
  for (let i = from; i <= close; i++) {
    const kind = c.tokens[i]!.kind;
    if (kind === '(') depth++;
    else if (kind === ')' && i < close) depth--;
    else if ((kind === ',' && depth === 0) || i === close) {
      keys.push(indexKey(c, from, i));
      from = i + 1;
    }
  }
  c.pos = close + 1;
  if (c.words('WHERE')) where = c.text(c.pos, c.tokens.length);
  else if (!c.atEnd()) problems.push(`unexpected ${c.describe()} after the key list`);
  return result();
}

function indexKey(c: Cursor, from: number, to: number): ParsedIndexKey {
  const text = c.text(from, to);
  let end = to;
  const last = c.tokens[end - 1];
  const descending = isWord(last, 'DESC');
  if (descending || isWord(last, 'ASC')) end--;
  const split = splitCollate(c.text(from, end));
  return { text, expression: split.expression, ...(split.collation !== undefined && { collation: split.collation }), descending };
}
