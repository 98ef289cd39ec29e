import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';

// The GitOps loop on SQLite tenants in a real git repository, through the built CLI (npm run build).

let dir: string;
const cli = (...args: string[]) => runCli(args, { cwd: dir });

const manifestV1 = {
  version: 1,
  tables: {
    customers: { columns: { id: { type: 'bigserial', primaryKey: true }, email: { type: 'text', nullable: false, unique: true } } },
  },
};

const manifestV2 = {
  version: 1,
  tables: {
    customers: {
      columns: { ...manifestV1.tables.customers.columns, phone: 'text' },
      indexes: { customers_phone_idx: { columns: ['phone'] } },
    },
    orders: { columns: { id: { type: 'bigserial', primaryKey: true }, customer_id: { type: 'bigint', nullable: false, references: 'customers.id' } } },
  },
};

const writeManifest = (body: unknown) => writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), stringify(body));

/** plan, then apply the plan it wrote; returns apply's JSON. */
async function planAndApply(): Promise<{ plan: string; apply: any }> {
  const plan = await cli('plan', '--json');
  expect(plan.code, plan.stderr).toBe(0);
  const { file, plan: written } = JSON.parse(plan.stdout);
  expect(file).not.toBeNull();
  const apply = await cli('apply', file, '--json');
  expect(apply.code, apply.stderr).toBe(0);
  return { plan: written.id, apply: JSON.parse(apply.stdout) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-gitops-'));
  initRepo(dir);
  await mkdir(path.join(dir, 'schema'), { recursive: true });
  await mkdir(path.join(dir, 'data'), { recursive: true });
  writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify({ engine: 'sqlite', tenants: { pattern: 'data/*.db' } }));
  writeFileSync(path.join(dir, '.gitignore'), 'data/\n');
  writeFileSync(path.join(dir, 'README.md'), 'our project\n');
  writeManifest(manifestV1);
  for (const tenant of ['acme', 'globex']) new Database(path.join(dir, 'data', `${tenant}.db`)).close();
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'the project');
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('snapshots in git, through the CLI', { timeout: 120_000 }, () => {
  test('apply commits one snapshot per tenant in one commit, and nothing else', async () => {
    // Work in progress of the user's: a staged change and an untracked file.
    writeFileSync(path.join(dir, 'README.md'), 'our project, edited\n');
    git(dir, 'add', 'README.md');
    writeFileSync(path.join(dir, 'scratch.txt'), 'not ours\n');

    const { plan, apply } = await planAndApply();
    expect(apply.snapshots).toMatchObject({ store: 'git', saved: ['acme', 'globex'] });
    expect(apply.results.every((r: Record<string, unknown>) => !('schema' in r))).toBe(true);
    const subject = `schema-sync: apply ${plan} (2 tenants: acme, globex)`;
    expect(git(dir, 'log', '--format=%s', '--', 'snapshots/acme.yaml').trim()).toBe(subject);
    expect(git(dir, 'log', '-1', '--format=%H').trim()).toBe(apply.snapshots.commit);
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n')).toEqual(['snapshots/acme.yaml', 'snapshots/globex.yaml']);
    // Still staged, not committed; the plan file and the scratch file are untouched.
    expect(git(dir, 'diff', '--cached', '--name-only').trim()).toBe('README.md');
    expect(git(dir, 'show', 'HEAD:README.md')).toBe('our project\n');
    const untracked = git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').filter((l) => l.startsWith('??'));
    expect(untracked.map((l) => l.slice(3)).sort()).toEqual([`plans/${plan}.yaml`, 'scratch.txt']);

    const text = readFileSync(path.join(dir, 'snapshots', 'acme.yaml'), 'utf8');
    expect(text).toContain(`planId: ${plan}`);
    const list = JSON.parse((await cli('snapshot', 'list', 'acme', '--json')).stdout);
    expect(list.store).toBe('git');
    expect(list.versions).toHaveLength(1);
    expect(list.versions[0]).toMatchObject({ planId: plan, message: subject });
  });

  test('a second apply: snapshot diff HEAD~1 HEAD shows the manifest change as a plan would', async () => {
    writeManifest(manifestV2);
    const { plan } = await planAndApply();
    expect(git(dir, 'log', '--format=%s', '--', 'snapshots/globex.yaml').trim().split('\n')).toHaveLength(2);
    expect(git(dir, 'log', '-1', '--format=%s')).toBe(`schema-sync: apply ${plan} (2 tenants: acme, globex)\n`);

    const diff = await cli('snapshot', 'diff', 'acme', 'HEAD~1', 'HEAD', '--json');
    expect(diff.code, diff.stderr).toBe(0);
    const out = JSON.parse(diff.stdout);
    expect(out.summary).toEqual([
      'create table orders',
      'add column customers.phone (TEXT)',
      'add index customers.customers_phone_idx',
      'add foreign key orders.orders_customer_id_fkey -> customers',
    ]);
    expect(out.changes.map((c: { kind: string }) => c.kind)).toEqual(['createTable', 'addColumn', 'addIndex', 'addForeignKey']);

    const text = await cli('snapshot', 'diff', 'acme', 'HEAD~1', 'HEAD');
    expect(text.stdout).toContain('Snapshot acme HEAD~1 -> HEAD: 4 changes');
    expect(text.stdout).toContain('+ add column customers.phone (TEXT)');
    const back = await cli('snapshot', 'diff', 'acme', 'HEAD', 'HEAD~1', '--json');
    expect(JSON.parse(back.stdout).summary).toContain('drop table orders');

    const versions = JSON.parse((await cli('snapshot', 'list', 'acme', '--json')).stdout).versions;
    expect(versions.map((v: { planId: string }) => v.planId)[0]).toBe(plan);
    const listed = await cli('snapshot', 'list', 'acme');
    expect(listed.stdout.trim().split('\n')).toHaveLength(2);
    expect(listed.stdout).toContain(`plan ${plan}`);

    const show = await cli('snapshot', 'show', 'acme', '--rev', versions[1].rev);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`fingerprint: ${versions[1].fingerprint}`);
    expect(show.stdout).not.toContain('phone');
    const shown = JSON.parse((await cli('snapshot', 'show', 'acme', '--json')).stdout);
    expect(shown.fingerprint).toBe(versions[0].fingerprint);
    expect(shown.schema.tables.map((t: { name: string }) => t.name)).toEqual(['customers', 'orders']);
  });

  test('the snapshot is what check compares against: in sync after apply', async () => {
    const check = await cli('check', '--json');
    expect(check.code).toBe(0);
    const inspect = JSON.parse((await cli('inspect', '--json')).stdout);
    const snapshot = JSON.parse((await cli('snapshot', 'show', 'globex', '--json')).stdout);
    expect(inspect.find((t: { tenant: string }) => t.tenant === 'globex').fingerprint).toBe(snapshot.fingerprint);
  });

  test('inspect -o is read-only: no snapshot, no commit; an existing file is kept unless --force', async () => {
    const head = git(dir, 'rev-parse', 'HEAD');
    const snapshot = readFileSync(path.join(dir, 'snapshots', 'acme.yaml'), 'utf8');
    const written = await cli('inspect', '--tenant', 'acme', '-o', 'schema/adopted.yaml');
    expect(written.code, written.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'schema', 'adopted.yaml'), 'utf8')).toContain('customers:');
    expect(written.stderr).not.toContain('Snapshots:');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(path.join(dir, 'snapshots', 'acme.yaml'), 'utf8')).toBe(snapshot);
    expect(git(dir, 'status', '--porcelain', '--', 'snapshots')).toBe('');

    writeFileSync(path.join(dir, 'schema', 'adopted.yaml'), 'mine\n');
    const again = await cli('inspect', '--tenant', 'acme', '-o', 'schema/adopted.yaml');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('schema/adopted.yaml already exists: pass --force to replace it');
    expect(readFileSync(path.join(dir, 'schema', 'adopted.yaml'), 'utf8')).toBe('mine\n');
    const forced = await cli('inspect', '--tenant', 'acme', '-o', 'schema/adopted.yaml', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'schema', 'adopted.yaml'), 'utf8')).toContain('customers:');
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('adopting a tenant with inspect -o --adopt records its snapshot in a commit of its own', async () => {
    const adopt = await cli('inspect', '--tenant', 'acme', '-o', 'schema/adopted.yaml', '--force', '--adopt');
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stderr).toContain('Snapshots: 1 tenant saved to snapshots');
    expect(git(dir, 'log', '-1', '--format=%s')).toBe('schema-sync: adopt (1 tenant: acme)\n');
    expect(git(dir, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('snapshots/acme.yaml');
    const latest = JSON.parse((await cli('snapshot', 'list', 'acme', '--json')).stdout).versions[0];
    expect(latest.planId).toBeUndefined();
    const none = JSON.parse((await cli('snapshot', 'diff', 'acme', 'HEAD~1', 'HEAD', '--json')).stdout);
    expect(none.changes).toEqual([]);
  });

  test('errors a user can act on', async () => {
    const unknown = await cli('snapshot', 'show', 'acme', '--rev', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown revision');
    const missing = await cli('snapshot', 'show', 'initech');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no snapshot of initech');
    expect((await cli('snapshot', 'list', 'initech')).stdout).toContain('No snapshot of initech yet');
    const bad = await cli('snapshot', 'list', '../etc');
    expect(bad.code).toBe(2);
  });

  test('snapshotStore: filesystem writes the file and commits nothing, even in a repository', async () => {
    writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify({ engine: 'sqlite', tenants: { pattern: 'data/*.db' }, snapshotStore: 'filesystem' }));
    const head = git(dir, 'rev-parse', 'HEAD');
    new Database(path.join(dir, 'data', 'initech.db')).close();
    const { plan } = await planAndApply();
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
    expect(readFileSync(path.join(dir, 'snapshots', 'initech.yaml'), 'utf8')).toContain(`planId: ${plan}`);
    const list = JSON.parse((await cli('snapshot', 'list', 'initech', '--json')).stdout);
    expect(list).toMatchObject({ store: 'filesystem', versions: [{ rev: 'current', planId: plan }] });
  });
});
