// PostgreSQL's names for constraints a person leaves unnamed, ported from makeObjectName,
// ChooseConstraintName, ChooseRelationName and ChooseIndexNameAddition
// (src/backend/commands/indexcmds.c and src/backend/catalog/pg_constraint.c). The PostgreSQL
// engine names this way because its server does; the SQLite engine, whose files keep no name for
// an unnamed constraint, names the same way, so one manifest reads alike on both. Each engine
// reads a CHECK's expression with its own tokenizer (engines/<name>/names.ts).
import type { NamingRules, UnnamedConstraint } from '../types.js';

/** PostgreSQL's NAMEDATALEN: identifiers hold at most NAMEDATALEN - 1 = 63 bytes. */
export const NAMEDATALEN = 64;

const utf8 = new TextEncoder();

function byteLength(text: string): number {
  // Almost every name is ASCII, where bytes and UTF-16 units agree; encoding each one is costly.
  return /^[\x00-\x7f]*$/.test(text) ? text.length : utf8.encode(text).length;
}

/** The longest prefix of `text` within `bytes` UTF-8 bytes that does not split a character (pg_mbcliplen). */
export function clipBytes(text: string, bytes: number): string {
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = byteLength(char);
    if (used + size > bytes) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end);
}

/**
 * `name1_name2_label`, shortened to fit 63 bytes. The label is never cut: the longer of the two
 * name parts loses a byte at a time (name2 on a tie), exactly as makeObjectName does.
 */
export function makeObjectName(name1: string, name2: string | undefined, label: string | undefined): string {
  let name1Bytes = byteLength(name1);
  let name2Bytes = name2 === undefined ? 0 : byteLength(name2);
  let overhead = name2 === undefined ? 0 : 1;
  if (label !== undefined) overhead += byteLength(label) + 1;
  const available = NAMEDATALEN - 1 - overhead;
  while (name1Bytes + name2Bytes > available) {
    if (name1Bytes > name2Bytes) name1Bytes--;
    else name2Bytes--;
  }
  let name = clipBytes(name1, name1Bytes);
  if (name2 !== undefined) name += '_' + clipBytes(name2, name2Bytes);
  if (label !== undefined) name += '_' + label;
  return name;
}

/** Column names joined by `_`, stopping once NAMEDATALEN bytes are reached (ChooseIndexNameAddition). */
export function columnsAddition(columns: readonly string[]): string {
  let buffer = '';
  let length = 0;
  for (const column of columns) {
    if (length > 0) {
      buffer += '_';
      length++;
    }
    const part = clipBytes(column, NAMEDATALEN - 1);
    buffer += part;
    length += byteLength(part);
    if (length >= NAMEDATALEN) break;
  }
  return buffer;
}

/**
 * The first of `base`, `base1`, `base2`, ... (the number goes on the label) that `taken` does not
 * hold: PostgreSQL's way out of a clash with an existing name.
 */
export function chooseName(name1: string, name2: string | undefined, label: string, taken: ReadonlySet<string>): string {
  let name = makeObjectName(name1, name2, label);
  for (let pass = 1; taken.has(name); pass++) name = makeObjectName(name1, name2, `${label}${pass}`);
  return name;
}

/** A token of an expression as the CHECK naming rule reads it. */
export interface NameToken {
  /** An identifier's name, bare ones folded to lower case as PostgreSQL folds them; absent for any other token. */
  readonly identifier?: string;
  /** The token as written: `(`, `.` and `::` are what the rule looks for. */
  readonly text: string;
}

/**
 * The table's columns an expression mentions, in first-mention order: identifiers that are not a
 * function's name (followed by `(`), a type's (after `::`) or a qualifier (followed by `.`).
 */
export function mentionedColumns(tokens: readonly NameToken[], columns: readonly string[]): string[] {
  const known = new Set(columns);
  const found: string[] = [];
  tokens.forEach((token, i) => {
    const name = token.identifier;
    if (name === undefined || !known.has(name) || found.includes(name)) return;
    const next = tokens[i + 1]?.text;
    if (tokens[i - 1]?.text !== '::' && next !== '(' && next !== '.') found.push(name);
  });
  return found;
}

/**
 * PostgreSQL's rule: `<table>_pkey`, `<table>_<columns>_key`, `<table>_<columns>_fkey`, and
 * `<table>_<column>_check` when a CHECK uses exactly one of the table's columns (else
 * `<table>_check`); a clash puts a number on the label.
 */
export function postgresNaming(expressionTokens: (expression: string) => readonly NameToken[]): NamingRules {
  const parts = (c: UnnamedConstraint): [string, string | undefined, string] => {
    switch (c.kind) {
      case 'primaryKey':
        return [c.table, undefined, 'pkey'];
      case 'unique':
        return [c.table, columnsAddition(c.columns), 'key'];
      case 'foreignKey':
        return [c.table, columnsAddition(c.columns), 'fkey'];
      case 'check': {
        const used = mentionedColumns(expressionTokens(c.expression), c.tableColumns);
        return [c.table, used.length === 1 ? used[0] : undefined, 'check'];
      }
    }
  };
  return {
    constraintName(constraint, taken) {
      const [name1, name2, label] = parts(constraint);
      return chooseName(name1, name2, label, taken);
    },
  };
}
