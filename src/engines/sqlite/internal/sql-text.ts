// Free SQL text from a manifest (defaults, CHECKs, index keys and predicates, generation
// expressions) is pasted into DDL, so each must be exactly one expression as SQLite itself reads
// it. SQLite's parser is SQLite: the text is prepared inside a view on an in-memory database
// (preparing parses without resolving names and runs nothing), and the structure a parse does not
// report (comments, a way out of the parentheses the renderer writes around it, a sub-select,
// several expressions) is checked on SQLite's tokens.
import Database from 'better-sqlite3';
import type { SqlText } from '../../types.js';
import { canonicalExpressionText } from './expression.js';
import { sqlTokens } from './sql-tokens.js';

let scratch: Database.Database | undefined;

export function checkSqlTexts(texts: readonly SqlText[]): Promise<(string | undefined)[]> {
  return Promise.resolve(texts.map(problemOf));
}

function problemOf({ kind, text }: SqlText): string | undefined {
  if (kind === 'partitionKey' || kind === 'partitionBound') return 'SQLite has no partitioned tables';
  if (kind === 'expression' && text.trim() === '') return 'expected an SQL expression, found nothing';
  const problem = tokenProblem(text, kind);
  if (problem || kind === 'type') return problem;
  // The text as the normalizer prints it is what the renderer writes (`x::int` becomes a CAST).
  const printed = canonicalExpressionText(text);
  const again = tokenProblem(printed, kind);
  if (again) return again;
  scratch ??= new Database(':memory:');
  try {
    scratch.prepare(`CREATE TEMP VIEW schema_sync_expression AS SELECT (${printed})`);
  } catch (error) {
    return `not an SQL expression: ${(error as Error).message}`;
  }
  return undefined;
}

/**
 * What SQLite's tokens show: comments (the tokenizer skips them, so anything but white space
 * between two tokens is one), semicolons, parentheses that close more than they open, and for an
 * expression, a comma outside parentheses or a sub-select. A type is checked for the first three;
 * the declared-type grammar (normalize.ts) decides the rest.
 */
function tokenProblem(text: string, kind: SqlText['kind']): string | undefined {
  const tokens = sqlTokens(text);
  let at = 0;
  for (const token of [...tokens, { start: text.length, end: text.length }]) {
    if (text.slice(at, token.start).trim() !== '') return 'holds an SQL comment: comments are not allowed here';
    at = token.end;
  }
  let depth = 0;
  for (const token of tokens) {
    if (token.kind === ';') return 'holds a semicolon: no second statement may follow';
    if (token.kind === '(') depth++;
    else if (token.kind === ')' && --depth < 0) return 'closes a parenthesis it did not open';
    else if (kind === 'expression' && token.kind === ',' && depth === 0) return 'holds several comma-separated expressions: write one';
    else if (kind === 'expression' && token.kind === 'word' && /^(select|values)$/i.test(token.text)) {
      return 'holds a sub-select: an expression here cannot query tables';
    }
  }
  if (depth !== 0) return 'leaves a parenthesis open';
  return undefined;
}
