// Free SQL text from a manifest (defaults, CHECKs, index key expressions, generation expressions,
// column types) is pasted into DDL, so each must be exactly one piece of its kind as MySQL reads
// it. The structure is judged on this engine's tokenizer: comments (the tokenizer skips them, so
// anything but white space between two tokens is one, an executable comment's markers included),
// a second statement, parentheses that close more than they open, and for an expression, several
// comma-separated ones or a sub-select. What the text means is the server's to judge: the
// compile runs it in a scratch database.
import type { SqlText } from '../types.js';
import { splitStatements, type Token } from './sql-tokens.js';

/** MySQL's NAME_CHAR_LEN: identifiers hold at most 64 characters. */
export const MAX_IDENTIFIER_CHARACTERS = 64;

export function checkSqlTexts(texts: readonly SqlText[]): Promise<(string | undefined)[]> {
  return Promise.resolve(texts.map(sqlTextProblem));
}

export function sqlTextProblem({ kind, text }: SqlText): string | undefined {
  if (kind === 'partitionKey' || kind === 'partitionBound') return 'the mysql engine does not manage partitioned tables yet';
  const tokens = singleStatementTokens(text);
  if (typeof tokens === 'string') return tokens;
  let depth = 0;
  for (const token of tokens) {
    if (token.kind !== 'punct') {
      if (kind === 'expression' && token.kind === 'word' && /^(select|values|table|with)$/i.test(token.text)) return 'holds a sub-select: an expression here cannot query tables';
      continue;
    }
    if (token.text === '(') depth++;
    else if (token.text === ')' && --depth < 0) return 'closes a parenthesis it did not open';
    else if (kind === 'expression' && token.text === ',' && depth === 0) return 'holds several comma-separated expressions: write one';
  }
  if (depth !== 0) return 'leaves a parenthesis open';
  return kind === 'type' ? typeProblem(tokens) : undefined;
}

/** The text's tokens when it is one statement without comments, else why not. */
function singleStatementTokens(text: string): readonly Token[] | string {
  if (text.trim() === '') return 'expected SQL text, found nothing';
  const statements = splitStatements(text);
  if (statements.length !== 1) return statements.length === 0 ? 'holds no SQL, only a comment or a client command' : 'holds a semicolon: no second statement may follow';
  // A string or comment left open swallows whatever follows it: a statement put after the text shows it.
  if (splitStatements(`${text}\n;\nSELECT 1`).length !== 2) return 'leaves a quoted string, name or comment open';
  const [statement] = statements;
  const begin = text.indexOf(statement!.text);
  if (text.slice(0, begin).trim() !== '' || text.slice(begin + statement!.text.length).trim() !== '') {
    return /;/.test(text.slice(begin + statement!.text.length)) ? 'holds a semicolon: no second statement may follow' : 'holds an SQL comment: comments are not allowed here';
  }
  let at = 0;
  for (const token of [...statement!.tokens, { start: statement!.text.length, end: statement!.text.length }]) {
    if (statement!.text.slice(at, token.start).trim() !== '') return 'holds an SQL comment: comments are not allowed here';
    at = token.end;
  }
  return statement!.tokens;
}

/**
 * A column type: words (`int`, `double precision`), then at most one parenthesized list of numbers
 * or strings (`decimal(10,2)`, `enum('a','b')`), then words (`unsigned`, `zerofill`,
 * `character set latin1`, `binary`).
 */
function typeProblem(tokens: readonly Token[]): string | undefined {
  let i = 0;
  if (tokens[0]?.kind !== 'word') return 'a column type begins with its name';
  while (tokens[i]?.kind === 'word') i++;
  if (tokens[i]?.text === '(') {
    i++;
    for (;;) {
      const value = tokens[i];
      if (value?.kind !== 'number' && value?.kind !== 'string') return 'a type\'s parentheses hold numbers or quoted values';
      i++;
      if (tokens[i]?.text === ',') i++;
      else break;
    }
    if (tokens[i]?.text !== ')') return 'a type\'s parentheses hold numbers or quoted values';
    i++;
  }
  while (tokens[i]?.kind === 'word') i++;
  return i === tokens.length ? undefined : `not a column type: unexpected ${JSON.stringify(tokens[i]!.text)}`;
}

/** Why the server would not keep the name as written: longer than 64 characters, or ending in a space. */
export function identifierProblem(name: string): string | undefined {
  const length = [...name].length;
  if (length > MAX_IDENTIFIER_CHARACTERS) return `is ${length} characters long; MySQL and MariaDB refuse names longer than ${MAX_IDENTIFIER_CHARACTERS}`;
  if (name.endsWith(' ')) return 'ends with a space, which MySQL and MariaDB do not allow';
  if (name.includes('\0')) return 'contains a NUL character';
  if (name === '') return 'is empty';
  return undefined;
}
