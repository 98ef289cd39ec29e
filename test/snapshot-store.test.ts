import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeChange } from '../src/diff/describe-change.js';
import { fingerprint } from '../src/model/fingerprint.js';
import type { ColumnModel, SchemaModel, TableModel } from '../src/model/types.js';
import { versionsBack } from '../src/snapshot/diff-snapshots.js';
import { FilesystemSnapshotStore } from '../src/snapshot/filesystem-store.js';
import { GitSnapshotStore, snapshotCommitMessage } from '../src/snapshot/git-store.js';
import { readSnapshotYaml, writeSnapshotYaml } from '../src/snapshot/snapshot-file.js';
import { recordSnapshots } from '../src/snapshot/record-snapshots.js';
import { git, initRepo } from './helpers/git.js';

function col(name: string, type: string, more: Partial<ColumnModel> = {}): ColumnModel {
  return { name, type, nullable: true, ...more };
}

function table(name: string, columns: ColumnModel[], more: Partial<TableModel> = {}): TableModel {
  return { name, columns, uniques: [], indexes: [], foreignKeys: [], checks: [], ...more };
}

/** A model with the awkward values: strings that read as numbers or booleans, multi-line SQL, quotes. */
const v1: SchemaModel = {
  enums: [{ name: 'status', values: ['new', 'yes', 'no', '1', 'null', 'with: colon'] }],
  sequences: [{ name: 'counter', type: 'bigint', start: '1', increment: '1', minValue: '1', maxValue: '9223372036854775807', cache: '1', cycle: false }],
  tables: [
    table('orders', [col('id', 'bigint', { nullable: false }), col('total', 'numeric(10,2)', { nullable: false, default: '0' }), col('note', 'text', { default: "'it''s\n  multi-line '", comment: '  leading and trailing  ' })], {
      primaryKey: { name: 'orders_pkey', columns: ['id'] },
      checks: [{ name: 'orders_total_check', expression: '(total >= (0)::numeric)' }],
      indexes: [{ name: 'orders_total_idx', unique: false, method: 'btree', keys: [{ column: 'total', descending: true }, { expression: 'lower(note)' }], include: [], where: 'note IS NOT NULL' }],
    }),
    table('customers', [col('id', 'bigint', { nullable: false, identity: 'by default' }), col('true', 'boolean', { default: 'true' })], { options: { withoutRowid: true } }),
  ],
  externalTypes: ['public.citext'],
  unmanaged: [
    { kind: 'view', name: 'recent' },
    { kind: 'trigger', name: 'orders_touch', table: 'orders', definition: 'CREATE TRIGGER orders_touch AFTER UPDATE ON orders\nBEGIN\n  SELECT 1;\nEND' },
  ],
};

const v2: SchemaModel = {
  ...v1,
  tables: [
    ...v1.tables.filter((t) => t.name !== 'orders'),
    { ...v1.tables.find((t) => t.name === 'orders')!, columns: [...v1.tables.find((t) => t.name === 'orders')!.columns, col('shipped_at', 'timestamp with time zone')] },
    table('invoices', [col('id', 'bigint', { nullable: false })]),
  ],
};

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'schema-sync-snapshots-'));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const at = '2024-05-01T12:00:00.000Z';

describe('the snapshot file', () => {
  test('loads back a model with the same fingerprint, and the same model gives the same bytes', () => {
    const text = writeSnapshotYaml({ tenant: 'acme', fingerprint: fingerprint(v1), planId: 'p1', schema: v1 });
    const loaded = readSnapshotYaml(text, 'acme.yaml');
    expect(loaded.tenant).toBe('acme');
    expect(loaded.planId).toBe('p1');
    expect(loaded.fingerprint).toBe(fingerprint(v1));
    expect(fingerprint(loaded.schema)).toBe(fingerprint(v1));
    // Everything comes back, unmanaged objects and their SQL included, columns in their order.
    expect(loaded.schema.unmanaged).toEqual([...v1.unmanaged!].sort((a, b) => (a.kind < b.kind ? -1 : 1)));
    expect(loaded.schema.tables.find((t) => t.name === 'orders')!.columns).toEqual(v1.tables[0]!.columns);
    expect(loaded.schema.enums[0]!.values).toEqual(v1.enums[0]!.values);
    // The same schema in another order, or loaded and written again: the same bytes.
    const shuffled: SchemaModel = { ...v1, tables: [...v1.tables].reverse(), unmanaged: [...v1.unmanaged!].reverse() };
    expect(writeSnapshotYaml({ tenant: 'acme', fingerprint: fingerprint(v1), planId: 'p1', schema: shuffled })).toBe(text);
    expect(writeSnapshotYaml(loaded)).toBe(text);
  });

  test('a file that is not a snapshot is a clear error', () => {
    expect(() => readSnapshotYaml('version: 1\ntenant: acme\n', 'x.yaml')).toThrow(/fingerprint/);
    expect(() => readSnapshotYaml('tables: [', 'x.yaml')).toThrow(/x.yaml/);
  });

  test('revisions counted back from the newest', () => {
    expect(versionsBack(undefined)).toBe(0);
    expect(versionsBack('current')).toBe(0);
    expect(versionsBack('HEAD')).toBe(0);
    expect(versionsBack('HEAD~')).toBe(1);
    expect(versionsBack('HEAD~3')).toBe(3);
    expect(versionsBack('HEAD^^')).toBe(2);
    expect(versionsBack('42')).toBeUndefined();
  });
});

describe('the filesystem store', () => {
  test('round trip: save, load, list; only the current version', async () => {
    const dir = path.join(root, 'fs', 'snapshots');
    const store = new FilesystemSnapshotStore(dir);
    expect(await store.load('acme')).toBeUndefined();
    expect(await store.list('acme')).toEqual([]);
    await store.save('acme', v1, { planId: 'p1', fingerprint: fingerprint(v1), at });
    await store.commit();
    expect(existsSync(path.join(dir, 'acme.yaml'))).toBe(true);
    const loaded = await store.load('acme');
    expect(loaded!.rev).toBe('current');
    expect(loaded!.fingerprint).toBe(fingerprint(v1));
    expect(fingerprint(loaded!.schema)).toBe(fingerprint(v1));
    const versions = await store.list('acme');
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ rev: 'current', planId: 'p1', fingerprint: fingerprint(v1) });
    expect(await store.diff('acme', 'current', 'current')).toEqual([]);
    await expect(store.load('acme', 'abc123')).rejects.toThrow(/only the current version/);
    expect(await store.load('acme', 'HEAD~1')).toBeUndefined();
    await expect(store.save('../evil', v1, { fingerprint: fingerprint(v1), at })).rejects.toThrow(/refused/);
  });
});

describe('the git store', () => {
  let repo: string;
  let files: FilesystemSnapshotStore;
  let store: GitSnapshotStore;

  beforeAll(async () => {
    repo = path.join(root, 'repo');
    await mkdir(repo, { recursive: true });
    initRepo(repo);
    writeFileSync(path.join(repo, 'README.md'), 'hello\n');
    git(repo, 'add', 'README.md');
    git(repo, 'commit', '--quiet', '-m', 'initial');
    files = new FilesystemSnapshotStore(path.join(repo, 'snapshots'), 'snapshots');
    store = new GitSnapshotStore(files, repo);
  });

  test('one commit per run, naming the plan and the tenants; only the snapshot files', async () => {
    // The user's own work in progress: staged and unstaged. Neither may end up in our commit.
    writeFileSync(path.join(repo, 'README.md'), 'hello, staged\n');
    git(repo, 'add', 'README.md');
    writeFileSync(path.join(repo, 'notes.txt'), 'untracked\n');

    const recorded = await recordSnapshots(store, { action: 'apply', planId: 'plan0001' }, [
      { tenant: 'acme', schema: v1 },
      { tenant: 'globex', schema: v1 },
    ]);
    expect(recorded.saved).toEqual(['acme', 'globex']);
    expect(recorded.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('schema-sync: apply plan0001 (2 tenants: acme, globex)\n');
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).toEqual(['snapshots/acme.yaml', 'snapshots/globex.yaml']);
    // The staged README is still staged, with its content, and not committed.
    expect(git(repo, 'diff', '--cached', '--name-only').trim()).toBe('README.md');
    expect(git(repo, 'show', 'HEAD:README.md')).toBe('hello\n');
    expect(git(repo, 'status', '--porcelain', '--', 'notes.txt').trim()).toBe('?? notes.txt');
  });

  test('the next run: history per tenant, load at a revision, diff in the words of a plan', async () => {
    await recordSnapshots(store, { action: 'apply', planId: 'plan0002' }, [{ tenant: 'acme', schema: v2 }]);
    expect(git(repo, 'log', '--format=%s', '--', 'snapshots/acme.yaml').trim().split('\n')).toEqual([
      'schema-sync: apply plan0002 (1 tenant: acme)',
      'schema-sync: apply plan0001 (2 tenants: acme, globex)',
    ]);
    const versions = await store.list('acme');
    expect(versions.map((v) => v.planId)).toEqual(['plan0002', 'plan0001']);
    expect(versions.map((v) => v.fingerprint)).toEqual([fingerprint(v2), fingerprint(v1)]);
    expect(versions[0]!.rev).toBe(git(repo, 'rev-parse', 'HEAD').trim());
    expect((await store.list('globex')).map((v) => v.planId)).toEqual(['plan0001']);

    const old = await store.load('acme', 'HEAD~1');
    expect(fingerprint(old!.schema)).toBe(fingerprint(v1));
    expect(fingerprint((await store.load('acme'))!.schema)).toBe(fingerprint(v2));
    expect(await store.load('acme', 'HEAD~2')).toBeUndefined(); // the file did not exist yet
    await expect(store.load('acme', 'no-such-rev')).rejects.toThrow(/unknown revision/);
    await expect(store.load('acme', '--output=/tmp/x')).rejects.toThrow(/not a revision/);

    const changes = await store.diff('acme', 'HEAD~1', 'HEAD');
    expect(changes.map(describeChange)).toEqual(['create table invoices', 'add column orders.shipped_at (timestamp with time zone)']);
    expect((await store.diff('acme', 'HEAD', 'HEAD~1')).map(describeChange)).toEqual(['drop column orders.shipped_at', 'drop table invoices']);
  });

  test("HEAD~n counts the tenant's own versions back, whatever commits came between", async () => {
    writeFileSync(path.join(repo, 'unrelated.txt'), 'a manifest change, another tenant, ...\n');
    git(repo, 'add', 'unrelated.txt');
    git(repo, 'commit', '--quiet', '-m', 'unrelated');
    expect(fingerprint((await store.load('acme', 'HEAD~1'))!.schema)).toBe(fingerprint(v1));
    expect((await store.diff('acme', 'HEAD~1', 'HEAD')).map(describeChange)).toEqual(['create table invoices', 'add column orders.shipped_at (timestamp with time zone)']);
    expect(await store.load('globex', 'HEAD~1')).toBeUndefined();
  });

  test('an unchanged snapshot makes no empty commit', async () => {
    const head = git(repo, 'rev-parse', 'HEAD');
    const recorded = await recordSnapshots(store, { action: 'apply', planId: 'plan0002' }, [{ tenant: 'acme', schema: v2 }]);
    expect(recorded.commit).toBeUndefined();
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('the commit subject names five tenants and the body all of them', () => {
    const saved = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((tenant) => ({ tenant, fingerprint: 'sha256:00' }));
    const message = snapshotCommitMessage({ action: 'apply', planId: 'p' }, saved);
    expect(message.split('\n')[0]).toBe('schema-sync: apply p (7 tenants: a, b, c, d, e…)');
    expect(message).toContain('\ng sha256:00');
  });

  test('snapshot files git ignores are written, not committed, with a warning', async () => {
    writeFileSync(path.join(repo, '.gitignore'), 'snapshots/ignored_*.yaml\n');
    const head = git(repo, 'rev-parse', 'HEAD');
    const recorded = await recordSnapshots(store, { action: 'apply', planId: 'plan0003' }, [{ tenant: 'ignored_one', schema: v1 }]);
    expect(recorded.commit).toBeUndefined();
    expect(recorded.warnings.join()).toMatch(/ignored by git/);
    expect(existsSync(path.join(repo, 'snapshots', 'ignored_one.yaml'))).toBe(true);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('a config directory below the repository root, with snapshots beside it', async () => {
    const sub = path.join(repo, 'deploy', 'db');
    await mkdir(sub, { recursive: true });
    const nested = new GitSnapshotStore(new FilesystemSnapshotStore(path.join(repo, 'deploy', 'snapshots')), sub);
    const recorded = await recordSnapshots(nested, { action: 'adopt' }, [{ tenant: 'acme', schema: v1 }]);
    expect(recorded.commit).toBeDefined();
    expect(git(repo, 'log', '-1', '--format=%s')).toBe('schema-sync: adopt (1 tenant: acme)\n');
    expect(git(repo, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('deploy/snapshots/acme.yaml');
    expect(fingerprint((await nested.load('acme', 'HEAD'))!.schema)).toBe(fingerprint(v1));
    expect((await nested.list('acme'))[0]!.message).toBe('schema-sync: adopt (1 tenant: acme)');
  });

  test('outside a git work tree it is the filesystem store', async () => {
    const plainDir = path.join(root, 'plain');
    await mkdir(plainDir, { recursive: true });
    const plain = new GitSnapshotStore(new FilesystemSnapshotStore(path.join(plainDir, 'snapshots')), plainDir);
    const recorded = await recordSnapshots(plain, { action: 'apply', planId: 'p' }, [{ tenant: 'acme', schema: v1 }]);
    expect(recorded.commit).toBeUndefined();
    expect(readFileSync(path.join(plainDir, 'snapshots', 'acme.yaml'), 'utf8')).toContain('planId: p');
    expect((await plain.list('acme')).map((v) => v.rev)).toEqual(['current']);
  });
});
