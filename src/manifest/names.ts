// PostgreSQL's names for constraints a person leaves unnamed, so a manifest without names matches
// what an inspected database holds. Ported from makeObjectName, ChooseConstraintName,
// ChooseRelationName and ChooseIndexNameAddition (src/backend/commands/indexcmds.c and
// src/backend/catalog/pg_constraint.c).

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

/** The name parts of a constraint's default name, before any clash suffix. */
export interface NameParts {
  readonly name1: string;
  readonly name2?: string;
  readonly label: string;
}

export function primaryKeyNameParts(table: string): NameParts {
  return { name1: table, label: 'pkey' };
}

export function uniqueNameParts(table: string, columns: readonly string[]): NameParts {
  return { name1: table, name2: columnsAddition(columns), label: 'key' };
}

export function foreignKeyNameParts(table: string, columns: readonly string[]): NameParts {
  return { name1: table, name2: columnsAddition(columns), label: 'fkey' };
}

/** `<table>_<col>_check` when the expression uses exactly one of the table's columns, else `<table>_check`. */
export function checkNameParts(table: string, expression: string, columns: readonly string[]): NameParts {
  const used = expressionColumns(expression, columns);
  return used.length === 1 ? { name1: table, name2: used[0]!, label: 'check' } : { name1: table, label: 'check' };
}

export function nameFromParts(parts: NameParts, taken: ReadonlySet<string> = new Set()): string {
  return chooseName(parts.name1, parts.name2, parts.label, taken);
}

/**
 * The table's columns an SQL expression mentions, in first-mention order. A light lexer, not a
 * parser: it skips string literals, comments, function names (followed by `(`), type names
 * (after `::`) and qualifiers (followed by `.`). Unquoted identifiers fold to lower case, as
 * PostgreSQL folds them.
 */
export function expressionColumns(expression: string, columns: readonly string[]): string[] {
  const known = new Set(columns);
  const found: string[] = [];
  const text = expression;
  let i = 0;
  let afterCast = false;
  const nextNonSpace = (from: number): string => {
    let j = from;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    return text[j] ?? '';
  };
  const consider = (name: string, end: number): void => {
    const next = nextNonSpace(end);
    const isCandidate = !afterCast && next !== '(' && next !== '.';
    afterCast = false;
    if (isCandidate && known.has(name) && !found.includes(name)) found.push(name);
  };
  while (i < text.length) {
    const char = text[i]!;
    if (char === "'" || ((char === 'E' || char === 'e') && text[i + 1] === "'" && !/[\p{L}\p{N}_$]/u.test(text[i - 1] ?? ''))) {
      const escapes = char !== "'";
      i += escapes ? 2 : 1;
      while (i < text.length) {
        if (escapes && text[i] === '\\') i += 2;
        else if (text[i] === "'" && text[i + 1] === "'") i += 2;
        else if (text[i] === "'") break;
        else i++;
      }
      i++;
      afterCast = false;
      continue;
    }
    if (char === '"') {
      let j = i + 1;
      let name = '';
      while (j < text.length) {
        if (text[j] === '"' && text[j + 1] === '"') {
          name += '"';
          j += 2;
        } else if (text[j] === '"') break;
        else name += text[j++];
      }
      consider(name, j + 1);
      i = j + 1;
      continue;
    }
    if (char === '$') {
      const tag = /^\$(?:[\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(text.slice(i));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? text.length : end + tag[0].length;
        continue;
      }
    }
    if (char === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (/[0-9]/.test(char) || (char === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const number = /^(?:[0-9]*\.?[0-9]+|[0-9]+\.)(?:[eE][-+]?[0-9]+)?/.exec(text.slice(i));
      i += number ? number[0].length : 1;
      afterCast = false;
      continue;
    }
    if (/[\p{L}_]/u.test(char)) {
      const word = /^[\p{L}_][\p{L}\p{N}_$]*/u.exec(text.slice(i))![0];
      consider(word.toLowerCase(), i + word.length);
      i += word.length;
      continue;
    }
    if (char === ':' && text[i + 1] === ':') {
      afterCast = true;
      i += 2;
      continue;
    }
    if (!/\s/.test(char)) afterCast = false;
    i++;
  }
  return found;
}
