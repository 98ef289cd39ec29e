// The MySQL renderer against the real server: a YAML manifest compiles (through the renderer, in a
// scratch database) into the model of the same tables written by hand; single changes rendered
// from a diff, run on a tenant and read back, leave the tenant exactly as desired (convergence),
// with the hazards the online-DDL table promises; hostile names stay quoted.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { diffSchemas } from '../src/diff/diff-schemas.js';
import { compileSchemas, compilerVersion } from '../src/engines/mysql/compile.js';
import { openServer, quoteIdent, type MysqlServer } from '../src/engines/mysql/connect.js';
import { indexKeys } from '../src/engines/mysql/index-keys.js';
import { inspectDatabases } from '../src/engines/mysql/inspect.js';
import { naming } from '../src/engines/mysql/names.js';
import { normalizeSchema } from '../src/engines/mysql/normalize.js';
import { refineChanges } from '../src/engines/mysql/refine.js';
import { mysqlRenderer } from '../src/engines/mysql/render.js';
import { schemaSql } from '../src/engines/mysql/schema-sql.js';
import { identifierProblem, sqlTextProblem } from '../src/engines/mysql/sql-text.js';
import type { ManifestRules } from '../src/engines/types.js';
import { desiredFor } from '../src/manifest/desired-for.js';
import { parseManifest } from '../src/manifest/load.js';
import { emptySchema, type SchemaModel } from '../src/model/types.js';
import type { PlanStep } from '../src/plan/step.js';
import { orderChanges } from '../src/plan/order-changes.js';
import { DesiredCompiler } from '../src/project/compile-desired.js';
import { mysqlUrl, TestDatabases, withMysql } from './helpers/mysql.js';

const prefix = `ss_rend_${randomBytes(3).toString('hex')}`;
const dbs = new TestDatabases();
const rules: ManifestRules = { naming, indexKeys };
const placeholder = '{{tenant}}';
let server: MysqlServer;
let compiler: DesiredCompiler;

beforeAll(async () => {
  server = await openServer(mysqlUrl, { lockTimeoutMs: 5_000, statementTimeoutMs: 60_000 });
  compiler = new DesiredCompiler(() => ({ version: async () => compilerVersion(server.flavor), compileSchemas: (inputs) => compileSchemas(server, inputs) }), undefined);
});

afterAll(async () => {
  await server?.close();
  await dbs.drop();
});

/** The manifest's desired schema as the server compiles it. */
async function compileManifest(yaml: string): Promise<SchemaModel> {
  const manifest = parseManifest(yaml, 'manifest.yaml', rules);
  const raw = desiredFor({ name: 'tenant', labels: [] }, manifest, [], rules);
  return compiler.compile({ schema: normalizeSchema(raw.schema), sql: [], tenantTypes: [], tenantSequences: [] });
}

async function inspect(database: string): Promise<SchemaModel> {
  const model = (await server.withConnection((c) => inspectDatabases(c, server.flavor, [database]))).get(database);
  if (!model) throw new Error(`no database ${database}`);
  return model;
}

/** The plan's steps from `current` to `desired`, with the tenant placeholder, as plan renders them. */
function plan(current: SchemaModel, desired: SchemaModel): PlanStep[] {
  const changes = orderChanges(refineChanges(diffSchemas({ current, desired }), current, desired));
  return mysqlRenderer(server.flavor)(changes, { qualifier: placeholder, concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] });
}

/** Runs the steps on the tenant, the placeholder replaced as apply replaces it. */
async function apply(tenant: string, steps: readonly PlanStep[]): Promise<void> {
  await server.withConnection(async (c) => {
    for (const step of steps) for (const sql of step.sql) await c.query(sql.split(placeholder).join(quoteIdent(tenant)));
  });
}

const base = `
version: 1
enums:
  status: [active, closed]
tables:
  accounts:
    comment: "People who pay"
    columns:
      id: { type: bigint, identity: by default, primaryKey: true }
      email: { type: varchar(255), nullable: false, unique: true, comment: "Login" }
      status: { type: status, nullable: false, default: "'active'" }
      note: { type: text }
      created_at: { type: timestamp, nullable: false, default: "current_timestamp()" }
      balance: { type: "decimal(10,2)", nullable: false, default: 0 }
    indexes:
      accounts_note_prefix: { columns: ["note(20)"] }
      accounts_note_text: { columns: [note], method: fulltext }
    options: { engine: InnoDB, charset: utf8mb4, collation: utf8mb4_unicode_ci }
  orders:
    columns:
      id: { type: int, identity: by default, primaryKey: true }
      account_id: { type: bigint, nullable: false }
      amount: { type: "decimal(10,2)", nullable: false }
      label: { type: varchar(40) }
    foreignKeys:
      - { name: orders_account, columns: [account_id], references: { table: accounts, columns: [id] }, onDelete: cascade }
    checks:
      - { name: orders_positive, expression: "amount > 0" }
    options: { engine: InnoDB, charset: utf8mb4, collation: utf8mb4_unicode_ci }
`;

const handWritten = `
CREATE TABLE accounts (
  id bigint NOT NULL AUTO_INCREMENT,
  email varchar(255) NOT NULL COMMENT 'Login',
  status enum('active','closed') NOT NULL DEFAULT 'active',
  note text,
  created_at timestamp NOT NULL DEFAULT current_timestamp(),
  balance decimal(10,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY email (email),
  KEY accounts_note_prefix (note(20)),
  FULLTEXT KEY accounts_note_text (note)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='People who pay';
CREATE TABLE orders (
  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id bigint NOT NULL,
  amount decimal(10,2) NOT NULL,
  label varchar(40),
  CONSTRAINT orders_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE,
  CONSTRAINT orders_positive CHECK (amount > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
`;

describe('a YAML manifest compiles through the renderer', () => {
  test('into the model of the same tables written by hand', async () => {
    const tenant = await dbs.create(`${prefix}_hand`);
    await withMysql(async (c) => {
      await c.query(`USE ${quoteIdent(tenant)}`);
      await c.query(handWritten);
    });
    const desired = await compileManifest(base);
    expect(desired).toEqual(await inspect(tenant));
    expect(desired.tables.map((t) => t.name)).toEqual(['accounts', 'orders']);
    // Nothing to do between them.
    expect(plan(await inspect(tenant), desired)).toEqual([]);
  });

  test('a statement the server refuses names the change, and the scratch database goes', async () => {
    const manifest = parseManifest(base.replace('type: varchar(40)', 'type: varchar(99999999)'), 'manifest.yaml', rules);
    const schema = normalizeSchema(desiredFor({ name: 'tenant', labels: [] }, manifest, [], rules).schema);
    const changes = orderChanges(diffSchemas({ current: emptySchema, desired: schema }));
    const [outcome] = await compileSchemas(server, [{ changes, tenantTypes: [], tenantSequences: [], sql: [] }]);
    expect(outcome?.ok).toBe(false);
    if (outcome?.ok !== false) return;
    expect(outcome.error.step).toBe('create table orders');
    expect(changes[outcome.error.change!]).toMatchObject({ kind: 'createTable', table: { name: 'orders' } });
  });
});

interface Case {
  readonly name: string;
  /** The manifest's text changed into the desired one. */
  readonly edit: (yaml: string) => string;
  /** Hazard codes of the plan's steps, in order. */
  readonly hazards: readonly (readonly string[])[];
  /** A fragment each step's SQL holds, in order. */
  readonly sql: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'add a column',
    edit: (y) => y.replace('      label: { type: varchar(40) }', '      label: { type: varchar(40) }\n      shipped: { type: boolean, nullable: false, default: false }'),
    hazards: [[]],
    sql: ['ADD COLUMN `shipped` tinyint(1) NOT NULL DEFAULT 0, ALGORITHM=INSTANT'],
  },
  {
    name: 'change a type',
    edit: (y) => y.replace('label: { type: varchar(40) }', 'label: { type: varchar(20) }'),
    hazards: [['REWRITES_TABLE', 'BLOCKS_WRITES', 'MAY_FAIL_ON_EXISTING_ROWS']],
    sql: ['MODIFY COLUMN `label` varchar(20)'],
  },
  {
    name: 'change a default',
    edit: (y) => y.replace('default: 0 }', 'default: 5 }'),
    hazards: [[]],
    sql: ['ALTER COLUMN `balance` SET DEFAULT 5.00, ALGORITHM=INSTANT'],
  },
  {
    name: 'add an index with a prefix',
    edit: (y) => y.replace('    options: { engine: InnoDB, charset: utf8mb4, collation: utf8mb4_unicode_ci }\n  orders:', '    options: { engine: InnoDB, charset: utf8mb4, collation: utf8mb4_unicode_ci }\n  orders:\n    indexes:\n      orders_label: { columns: ["label(8) DESC"] }'),
    hazards: [['INDEX_BUILD']],
    sql: ['ADD INDEX `orders_label` (`label`(8) DESC), ALGORITHM=INPLACE, LOCK=NONE'],
  },
  {
    name: 'drop a foreign key',
    edit: (y) => y.replace(/ {4}foreignKeys:\n.*\n/, ''),
    // The server made an index for the key; it goes with it, in the same statement.
    hazards: [[]],
    sql: ['DROP FOREIGN KEY `orders_account`'],
  },
  {
    name: 'add a check',
    edit: (y) => y.replace('      - { name: orders_positive, expression: "amount > 0" }', '      - { name: orders_positive, expression: "amount > 0" }\n      - { name: orders_cap, expression: "amount < 1000000" }'),
    hazards: [['REWRITES_TABLE', 'BLOCKS_WRITES', 'MAY_FAIL_ON_EXISTING_ROWS']],
    sql: ['ADD CONSTRAINT `orders_cap` CHECK (`amount` < 1000000)'],
  },
  {
    name: 'change a table comment',
    edit: (y) => y.replace('comment: "People who pay"', 'comment: "People who pay, and owe"'),
    hazards: [[]],
    sql: ["COMMENT='People who pay, and owe', ALGORITHM=INSTANT"],
  },
  {
    name: 'change a column comment and drop a column in one statement',
    edit: (y) => y.replace('comment: "Login" }', 'comment: "Sign-in" }').replace('      note: { type: text }\n', '').replace(/ {4}indexes:\n {6}accounts_note_prefix.*\n {6}accounts_note_text.*\n/, ''),
    hazards: [['DELETES_DATA']],
    sql: ['DROP COLUMN `note`'],
  },
  {
    name: 'change the table collation: the columns follow, the table is altered once',
    edit: (y) => y.replace(/(orders:[\s\S]*)collation: utf8mb4_unicode_ci/, '$1collation: utf8mb4_bin'),
    hazards: [['REWRITES_TABLE', 'BLOCKS_WRITES']],
    sql: ['COLLATE=utf8mb4_bin'],
  },
  {
    name: 'swap the primary key in one statement',
    edit: (y) => y.replace('      id: { type: int, identity: by default, primaryKey: true }', '      id: { type: int, identity: by default }').replace('    foreignKeys:', '    primaryKey: [id, account_id]\n    foreignKeys:'),
    hazards: [['REWRITES_TABLE', 'MAY_FAIL_ON_EXISTING_ROWS', 'INDEX_BUILD']],
    sql: ['DROP PRIMARY KEY, ADD PRIMARY KEY (`id`, `account_id`), ALGORITHM=INPLACE, LOCK=NONE'],
  },
];

describe('single changes converge', () => {
  test.each(cases)('$name', async ({ edit, hazards, sql }) => {
    const tenant = await dbs.create(`${prefix}_${randomBytes(3).toString('hex')}`);
    const before = await compileManifest(base);
    await apply(tenant, plan(emptySchema, before));
    expect(await inspect(tenant)).toEqual(before);
    const desired = await compileManifest(edit(base));
    expect(desired).not.toEqual(before);
    const steps = plan(await inspect(tenant), desired);
    expect(steps.map((s) => s.hazards.map((h) => h.code))).toEqual(hazards);
    expect(steps.map((s, i) => s.sql.join('\n').includes(sql[i]!))).toEqual(sql.map(() => true));
    for (const step of steps) for (const text of step.sql) expect(text.startsWith(`ALTER TABLE ${placeholder}.`)).toBe(true);
    await apply(tenant, steps);
    const after = await inspect(tenant);
    expect(after).toEqual(desired);
    expect(plan(after, desired)).toEqual([]);
  });
});

describe('hostile identifiers', () => {
  const hostile = 'x`; DROP DATABASE mysql; -- ';
  test('stay quoted from manifest to tenant', async () => {
    const table = 'we`ird table';
    const column = "it's `col`";
    const yaml = `
version: 1
tables:
  ${JSON.stringify(table)}:
    columns:
      ${JSON.stringify(column)}: { type: int, primaryKey: true }
      "c2": { type: "varchar(10)", default: "'a''b\\\\\\\\'" }
    indexes:
      ${JSON.stringify(hostile.trimEnd() + 'i')}: { columns: ["c2(3)"] }
    checks:
      - { name: ${JSON.stringify('ch`k')}, expression: "c2 <> 'x'" }
`;
    const desired = await compileManifest(yaml);
    expect(desired.tables.map((t) => t.name)).toEqual([table]);
    expect(desired.tables[0]!.columns.map((c) => c.name)).toEqual([column, 'c2']);
    const tenant = await dbs.create(`${prefix}_weird\`db`);
    await apply(tenant, plan(emptySchema, desired));
    expect(await inspect(tenant)).toEqual(desired);
    const names = await withMysql(async (c) => {
      const [rows] = await c.query('SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', ['mysql']);
      return rows as unknown[];
    });
    expect(names).toHaveLength(1);
  });

  test('names a MySQL server cannot keep are refused before any SQL', () => {
    expect(identifierProblem('a'.repeat(64))).toBeUndefined();
    expect(identifierProblem('a'.repeat(65))).toMatch(/65 characters/);
    expect(identifierProblem('trailing ')).toMatch(/space/);
    expect(sqlTextProblem({ kind: 'expression', text: 'a > 0) OR (1' })).toMatch(/parenthesis/);
    expect(sqlTextProblem({ kind: 'expression', text: '1 /* x */' })).toMatch(/comment/);
    expect(sqlTextProblem({ kind: 'expression', text: '1; DROP TABLE t' })).toMatch(/semicolon/);
    expect(sqlTextProblem({ kind: 'expression', text: "'a\\'); DROP TABLE t; --" })).toMatch(/open|semicolon/);
    expect(sqlTextProblem({ kind: 'expression', text: "'it''s'" })).toBeUndefined();
    expect(sqlTextProblem({ kind: 'type', text: "enum('a','b')" })).toBeUndefined();
    expect(sqlTextProblem({ kind: 'type', text: 'int) ENGINE=MEMORY; --' })).toBeDefined();
  });
});

describe('a schema as SQL', () => {
  test('names no database, and builds the same schema where it runs', async () => {
    const desired = await compileManifest(base);
    const statements = await schemaSql({ changes: orderChanges(diffSchemas({ current: emptySchema, desired })), tenantTypes: [], tenantSequences: [] });
    const tenant = await dbs.create(`${prefix}_sql`);
    await withMysql(async (c) => {
      await c.query(`USE ${quoteIdent(tenant)}`);
      for (const statement of statements) await c.query(statement);
    });
    expect(statements.join('\n')).not.toContain(tenant);
    expect(await inspect(tenant)).toEqual(desired);
  });
});
