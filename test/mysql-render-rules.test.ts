// The MySQL engine's rules that need no server: which ALGORITHM each flavor is asked for, how
// clauses of one table join one ALTER TABLE, index keys written as text, unnamed constraints' names.
import { describe, expect, test } from 'vitest';
import type { Change } from '../src/diff/changes.js';
import { detectFlavor } from '../src/engines/mysql/flavor.js';
import { indexKeys } from '../src/engines/mysql/index-keys.js';
import { naming } from '../src/engines/mysql/names.js';
import { normalizeSchema } from '../src/engines/mysql/normalize.js';
import { mysqlRenderer, renderChanges } from '../src/engines/mysql/render.js';
import type { ColumnModel, TableModel } from '../src/model/types.js';
import type { RenderOptions } from '../src/plan/step.js';

const options: RenderOptions = { qualifier: '{{tenant}}', concurrentIndexes: false, indexTimeoutMs: 0, tenantTypes: [], tenantSequences: [] };
const mariadb = detectFlavor('10.11.6-MariaDB', 'mariadb.org binary distribution');
const mysql8 = detectFlavor('8.0.36', 'MySQL Community Server - GPL');
const column: ColumnModel = { name: 'note', type: 'varchar(10)', nullable: true };
const table = (name: string): TableModel => ({ name, columns: [column], uniques: [], indexes: [], foreignKeys: [], checks: [] });

describe('ALGORITHM per flavor', () => {
  const comment: Change = { kind: 'setTableComment', table: 't', comment: 'x' };
  test('a table comment is INSTANT on MariaDB; MySQL and an unknown server are asked for nothing', () => {
    expect(mysqlRenderer(mariadb)([comment], options)[0]!.sql).toEqual(["ALTER TABLE {{tenant}}.`t` COMMENT='x', ALGORITHM=INSTANT"]);
    expect(mysqlRenderer(mysql8)([comment], options)[0]!.sql).toEqual(["ALTER TABLE {{tenant}}.`t` COMMENT='x'"]);
    expect(renderChanges([comment], options)[0]!.hazards.map((h) => h.code)).toEqual(['REWRITES_TABLE', 'BLOCKS_WRITES']);
  });

  test('clauses of one table join one statement, with the slowest algorithm of them', () => {
    const steps = mysqlRenderer(mariadb)(
      [
        { kind: 'addColumn', table: 't', column: { name: 'b', type: 'int', nullable: true } },
        { kind: 'addIndex', table: 't', index: { name: 'i', unique: false, method: 'BTREE', keys: [{ column: 'note', length: 4 }], include: [] }, newTable: false },
        { kind: 'addColumn', table: 'u', column: { name: 'c', type: 'int', nullable: true } },
      ],
      options,
    );
    expect(steps.map((s) => s.sql)).toEqual([
      ['ALTER TABLE {{tenant}}.`t` ADD COLUMN `b` int NULL, ADD INDEX `i` (`note`(4)), ALGORITHM=INPLACE, LOCK=NONE'],
      ['ALTER TABLE {{tenant}}.`u` ADD COLUMN `c` int NULL, ALGORITHM=INSTANT'],
    ]);
    expect(steps.every((s) => s.runs === 'no-transaction' && !s.transactional)).toBe(true);
  });

  test('a foreign key dropped and added under one name takes two statements', () => {
    const fk = { name: 'fk', columns: ['a'], refTable: 'p', refColumns: ['id'], onDelete: 'cascade' as const, onUpdate: 'no action' as const, deferrable: false, initiallyDeferred: false };
    const steps = mysqlRenderer(mariadb)(
      [
        { kind: 'dropForeignKey', table: 't', foreignKey: fk },
        { kind: 'addForeignKey', table: 't', foreignKey: { ...fk, onDelete: 'restrict' }, newTable: false },
      ],
      options,
    );
    expect(steps.map((s) => s.sql)).toEqual([
      ['ALTER TABLE {{tenant}}.`t` DROP FOREIGN KEY `fk`, ALGORITHM=INSTANT'],
      ['ALTER TABLE {{tenant}}.`t` ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES {{tenant}}.`p` (`id`) ON DELETE RESTRICT'],
    ]);
    expect(steps[1]!.hazards.map((h) => h.code)).toEqual(['REWRITES_TABLE', 'BLOCKS_WRITES', 'MAY_FAIL_ON_EXISTING_ROWS']);
  });

  test('a dropped table deletes data; a created one locks nothing', () => {
    const [drop] = renderChanges([{ kind: 'dropTable', table: table('we`ird') }], options);
    expect(drop).toMatchObject({ sql: ['DROP TABLE {{tenant}}.`we``ird`'], lock: 'ACCESS EXCLUSIVE' });
    expect(drop!.hazards.map((h) => h.code)).toEqual(['DELETES_DATA']);
    expect(renderChanges([{ kind: 'createTable', table: table('t') }], options)[0]).toMatchObject({ lock: 'NONE', hazards: [] });
  });

  test('text that would leave its place in the statement is refused, naming it', () => {
    const bad = { ...table('t'), columns: [{ ...column, type: 'int, x int' }] };
    expect(() => renderChanges([{ kind: 'createTable', table: bad }], options)).toThrow(/t\.note: the type "int, x int"/);
  });
});

describe('index keys written as text', () => {
  test.each([
    ['email', { column: 'email' }],
    ['note(20)', { column: 'note', length: 20 }],
    ['`Mixed Name`(8) DESC', { column: 'Mixed Name', length: 8, descending: true }],
    ['(lower(email))', { expression: 'lower(email)' }],
    ['(a + b) DESC', { expression: 'a + b', descending: true }],
  ])('%s', (text, key) => {
    expect(indexKeys.parse(text)).toEqual(key);
    expect(indexKeys.parse(indexKeys.format(key)!)).toEqual(key);
  });
});

describe('unnamed constraints', () => {
  test('are named as MySQL names them, within 64 characters', () => {
    expect(naming.constraintName({ kind: 'primaryKey', table: 't' }, new Set())).toBe('PRIMARY');
    expect(naming.constraintName({ kind: 'unique', table: 't', columns: ['email', 'x'] }, new Set(['email']))).toBe('email_2');
    expect(naming.constraintName({ kind: 'foreignKey', table: 'orders', columns: ['a'] }, new Set(['orders_ibfk_1']))).toBe('orders_ibfk_2');
    const long = naming.constraintName({ kind: 'check', table: 't'.repeat(70), expression: 'a > 0', tableColumns: ['a'] }, new Set());
    expect(long).toBe('t'.repeat(58) + '_chk_1');
  });
});

describe('the normalizer', () => {
  test('writes enums into columns, uniques as unique indexes, identity as AUTO_INCREMENT', () => {
    const schema = normalizeSchema({
      enums: [{ name: 'mood', values: ["it's", 'b'] }],
      sequences: [],
      tables: [
        {
          name: 't',
          columns: [
            { name: 'id', type: 'bigint', nullable: true, identity: 'by default' },
            { name: 'm', type: 'mood', nullable: true },
          ],
          primaryKey: { name: 't_pkey', columns: ['id'] },
          uniques: [{ name: 'm', columns: ['m'] }],
          indexes: [],
          foreignKeys: [],
          checks: [],
        },
      ],
    });
    expect(schema.enums).toEqual([]);
    expect(schema.tables[0]).toMatchObject({
      columns: [
        { name: 'id', type: 'bigint', nullable: false, autoIncrement: true },
        { name: 'm', type: "enum('it''s','b')", nullable: true },
      ],
      primaryKey: { name: 'PRIMARY', columns: ['id'] },
      uniques: [],
      indexes: [{ name: 'm', unique: true, method: 'BTREE', keys: [{ column: 'm' }], include: [] }],
    });
  });

  test('refuses what MySQL cannot hold, naming table and column', () => {
    expect(() =>
      normalizeSchema({
        enums: [],
        sequences: [],
        tables: [{ ...table('t'), columns: [{ ...column, type: 'text[]' }], indexes: [{ name: 'i', unique: false, method: 'gin', keys: [{ column: 'note' }], include: [] }] }],
      }),
    ).toThrow(/t\.note: array type[\s\S]*t: index i: MySQL has no index method "gin"/);
  });
});
