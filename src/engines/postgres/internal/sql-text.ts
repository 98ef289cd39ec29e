// Free SQL text from a manifest (defaults, CHECKs, index keys and predicates, generation
// expressions, column types) is pasted into DDL, so each must be exactly one expression or one
// type name, as PostgreSQL's own parser (libpg-query, the server's grammar built to WebAssembly)
// reads it. Otherwise `default: "0; DROP TABLE victim.secrets"` would be a second statement.
import type { SqlText } from '../../types.js';

import { loadParser, type ParseSync } from './parser.js';
import { sqlTokens } from './sql-tokens.js';
import { own } from '../../../util/own.js';

/** NAMEDATALEN - 1: the server silently cuts a longer identifier to this many bytes. */
const MAX_IDENTIFIER_BYTES = 63;

export function identifierProblem(name: string): string | undefined {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= MAX_IDENTIFIER_BYTES) return undefined;
  return `is ${bytes} bytes long (in UTF-8): PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES} bytes of a name and would cut the rest, so shorten it`;
}

export async function checkSqlTexts(texts: readonly SqlText[]): Promise<(string | undefined)[]> {
  if (texts.length === 0) return [];
  const parse = await loadParser();
  return texts.map((text) => problemOf(text, parse));
}

function problemOf({ kind, text }: SqlText, parse: ParseSync): string | undefined {
  if (kind === 'partitionKey' || kind === 'partitionBound') return partitionProblem(kind, text, parse);
  const what = kind === 'type' ? 'a type' : 'an SQL expression';
  if (text.trim() === '') return `expected ${what}, found nothing`;
  const lexical = lexicalProblem(text);
  if (lexical) return lexical;
  const statements: unknown[] = [];
  // The second form holds the text on one line inside parentheses, as the renderer writes it.
  const forms = kind === 'type' ? [`SELECT CAST(NULL AS ${text})`] : [`SELECT ${text}`, `SELECT (${text})`];
  for (const form of forms) {
    try {
      statements.push(parse(form));
    } catch (error) {
      return `not ${what}: ${(error as Error).message}`;
    }
  }
  for (const tree of statements) {
    const problem = kind === 'type' ? typeProblem(tree) : expressionProblem(tree);
    if (problem) return problem;
  }
  return undefined;
}

type Node = Record<string, unknown>;

function asNode(value: unknown): Node | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
}

/** The one target of `SELECT <x>`, or why the statement is not just that. */
function soleTarget(tree: unknown): { value: Node } | { problem: string } {
  const stmts = asNode(tree)?.['stmts'];
  if (!Array.isArray(stmts) || stmts.length !== 1) return { problem: 'holds more than one SQL statement' };
  const select = asNode(asNode(asNode(stmts[0])?.['stmt'])?.['SelectStmt']);
  if (!select) return { problem: 'is not an expression' };
  const clauses = Object.keys(select).filter((key) => !['targetList', 'limitOption', 'op'].includes(key));
  if (clauses.length > 0 || select['op'] !== 'SETOP_NONE' || select['limitOption'] !== 'LIMIT_OPTION_DEFAULT') {
    return { problem: 'is followed by a clause (FROM, WHERE, ...): write the expression alone' };
  }
  const targets = select['targetList'];
  if (!Array.isArray(targets) || targets.length !== 1) return { problem: 'holds several comma-separated expressions: write one' };
  const target = asNode(asNode(targets[0])?.['ResTarget']);
  if (!target) return { problem: 'is not an expression' };
  if (target['name'] !== undefined) return { problem: 'gives a name (AS ...): write the expression alone' };
  const value = asNode(target['val']);
  return value ? { value } : { problem: 'is not an expression' };
}

/** Nodes an expression in DDL has no business holding: a query, a bind parameter, `*`. */
const FORBIDDEN_NODES: Readonly<Record<string, string>> = {
  SubLink: 'holds a sub-select: an expression here cannot query tables',
  SelectStmt: 'holds a sub-select: an expression here cannot query tables',
  ParamRef: 'holds a parameter ($1): write a value',
  A_Star: 'holds *: name the columns',
};

function forbiddenNode(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = forbiddenNode(item);
      if (found) return found;
    }
    return undefined;
  }
  const node = asNode(value);
  if (!node) return undefined;
  for (const [key, child] of Object.entries(node)) {
    const problem = own(FORBIDDEN_NODES, key);
    if (problem) return problem;
    const found = forbiddenNode(child);
    if (found) return found;
  }
  return undefined;
}

function expressionProblem(tree: unknown): string | undefined {
  const target = soleTarget(tree);
  if ('problem' in target) return target.problem;
  return forbiddenNode(target.value);
}

function typeProblem(tree: unknown): string | undefined {
  const target = soleTarget(tree);
  if ('problem' in target) return 'is not a type name';
  const cast = asNode(target.value['TypeCast']);
  const arg = asNode(asNode(cast?.['arg'])?.['A_Const']);
  if (!cast || arg?.['isnull'] !== true || Object.keys(target.value).length !== 1) return 'is not a type name';
  return forbiddenNode(cast['typeName']) ? 'is not a type name' : undefined;
}

/**
 * Comments and semicolons, which the parse tree does not show: a comment could swallow the rest
 * of a rendered line. Anything outside quotes that holds `--` or `/*` is a comment, even inside
 * an operator.
 */
export function lexicalProblem(text: string): string | undefined {
  for (const token of sqlTokens(text)) {
    if (token.kind === 'comment') return 'holds an SQL comment: comments are not allowed here';
    if (token.kind === 'other' && text[token.start] === ';') return 'holds a semicolon: no second statement may follow';
    // With standard_conforming_strings off, \' would not end this string.
    if (token.kind === 'string' && /\\'/.test(text.slice(token.start, token.end))) {
      return "holds a backslash before a quote in a string: write the string as E'...' with \\\\ or \\'";
    }
  }
  return undefined;
}

/**
 * A partition key (`RANGE (a)`) or bound (`FOR VALUES ...`, `DEFAULT`) is pasted into CREATE
 * TABLE after PARTITION BY or PARTITION OF: parsed there, it must give one CREATE TABLE with
 * nothing but the key or the bound, and hold no query.
 */
function partitionProblem(kind: 'partitionKey' | 'partitionBound', text: string, parse: ParseSync): string | undefined {
  const what = kind === 'partitionKey' ? 'a partition key such as RANGE (created_at)' : "a partition bound such as FOR VALUES IN ('a') or DEFAULT";
  if (text.trim() === '') return `expected ${what}, found nothing`;
  const lexical = lexicalProblem(text);
  if (lexical) return lexical;
  const statement = kind === 'partitionKey' ? `CREATE TABLE x (a int) PARTITION BY ${text}` : `CREATE TABLE x PARTITION OF y ${text}`;
  let tree: unknown;
  try {
    tree = parse(statement);
  } catch (error) {
    return `not ${what}: ${(error as Error).message}`;
  }
  const stmts = asNode(tree)?.['stmts'];
  if (!Array.isArray(stmts) || stmts.length !== 1) return 'holds more than one SQL statement';
  const create = asNode(asNode(asNode(stmts[0])?.['stmt'])?.['CreateStmt']);
  const part = create?.[kind === 'partitionKey' ? 'partspec' : 'partbound'];
  if (!create || part === undefined) return `is not ${what}`;
  const allowed = new Set(['relation', 'tableElts', 'inhRelations', 'partspec', 'partbound', 'oncommit', 'if_not_exists']);
  if (Object.keys(create).some((key) => !allowed.has(key))) return `is followed by a clause (WITH, TABLESPACE, ...): write ${what} alone`;
  if (kind === 'partitionKey' && create['partbound'] !== undefined) return `is not ${what}`;
  return forbiddenNode(part);
}
