import { beforeAll, describe, expect, test } from 'vitest';
import type { ParseSync } from '../src/engines/postgres/internal/parser.js';
import { checkPlannedStatements, loadParser, statementsProblem as problemWith } from '../src/engines/postgres/internal/statements.js';

// PostgreSQL's own parser decides whether the text apply sends in one round trip holds exactly the
// planned statements: a hostile expression that smuggles in a statement, or swallows the
// separator after it, must be caught before it reaches the server.

let parse: ParseSync;
const statementsProblem = (statements: readonly string[]) => problemWith(parse, statements);

beforeAll(async () => {
  parse = await loadParser();
});

describe('statementsProblem', () => {
  test('planned statements, with non-ASCII names and literals, pass', () => {
    expect(
      statementsProblem([
        'BEGIN',
        `SET LOCAL search_path TO ''`,
        `ALTER TABLE "tenant_ü"."Bestellungen" ADD COLUMN "größe" text DEFAULT 'naïve; -- not a comment'`,
        `COMMENT ON COLUMN "tenant_ü"."Bestellungen"."größe" IS E'it''s \\\\ fine /* really */'`,
      ]),
    ).toBeUndefined();
  });

  test('a second statement inside an expression is caught', () => {
    expect(statementsProblem(['ALTER TABLE "t"."a" ADD COLUMN "c" int DEFAULT 0; DROP TABLE victim.secrets'])).toMatch(
      /holds 2 statements where 1 was planned/,
    );
  });

  test('a comment that swallows the separator, paired with a statement that starts with one, is caught', () => {
    // Joined, `--` comments out the `;` after the first, and the second's leading `;` ends the
    // merged statement: two statements either way, but not the planned ones.
    expect(statementsProblem(['SELECT 1 --', '; DROP TABLE victim.secrets'])).toMatch(/does not end where it was planned/);
  });

  test('an unterminated quote or comment is refused by the parser', () => {
    expect(statementsProblem([`ALTER TABLE "t"."a" ADD COLUMN "c" text DEFAULT 'x`, 'DROP TABLE victim.secrets'])).toMatch(/parser refuses it/);
    expect(statementsProblem(['SELECT 1 /*', 'DROP TABLE victim.secrets'])).toMatch(/parser refuses it/);
  });

  test('an empty or comment-only statement is a statement fewer than planned', () => {
    expect(statementsProblem(['SELECT 1', '-- nothing'])).toMatch(/holds 1 statement where 2 were planned/);
  });
});

describe('checkPlannedStatements', () => {
  test('the placeholder in code or in a quoted regclass name is fine', async () => {
    expect(await checkPlannedStatements([`ALTER TABLE {{tenant}}."a" ALTER COLUMN "id" SET DEFAULT nextval('{{tenant}}."a_id_seq"'::regclass)`], '{{tenant}}')).toBeUndefined();
  });

  test('a placeholder inside a dollar quote could end it for some tenant name: refused', async () => {
    expect(await checkPlannedStatements([`SELECT $$ {{tenant}} $$`, 'SELECT 2'], '{{tenant}}')).toBeDefined();
  });
});
