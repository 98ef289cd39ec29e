import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';

const bin = path.join(import.meta.dirname, '..', 'bin', 'run.js');
const tenants = ['acme', 'globex', 'initech'];
const columns = { id: { type: 'integer', primaryKey: true }, name: { type: 'text', nullable: false } };

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'schema-sync-reconcile-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A git repository with SQLite tenants, acme labelled canary, and a committed manifest. */
function createRepo(name: string, reconcile: Record<string, unknown> = {}, apply: Record<string, unknown> = {}): { dir: string; manifest: (cols: object) => void; sql: (tenant: string, text: string) => void } {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  mkdirSync(path.join(dir, 'schema'));
  initRepo(dir);
  writeFileSync(
    path.join(dir, 'schema-sync.yaml'),
    stringify({ engine: 'sqlite', tenants: { pattern: 'data/*.db', labels: { canary: ['acme'] } }, apply: { retries: 0, ...apply }, reconcile: { waves: ['canary'], ...reconcile } }),
  );
  writeFileSync(path.join(dir, '.gitignore'), 'data/\nreports/\n');
  for (const t of tenants) new Database(path.join(dir, 'data', `${t}.db`)).close();
  const manifest = (cols: object) => {
    writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), stringify({ version: 1, tables: { accounts: { columns: cols } } }));
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'manifest');
  };
  const sql = (tenant: string, text: string) => {
    const db = new Database(path.join(dir, 'data', `${tenant}.db`));
    try {
      db.exec(text);
    } finally {
      db.close();
    }
  };
  manifest(columns);
  return { dir, manifest, sql };
}

async function reconcile(dir: string, ...args: string[]) {
  const result = await runCli(['reconcile', '--json', ...args], { cwd: dir });
  const lines = result.stdout.trim().split('\n').filter((l) => l !== '');
  return { ...result, status: JSON.parse(lines.at(-1)!), lines };
}

describe('reconcile', { timeout: 120_000 }, () => {
  test('report, then apply-safe in waves with one snapshot commit, then out-of-band drift and a conflict', async () => {
    const { dir, manifest, sql } = createRepo('loop');
    const first = await reconcile(dir);
    expect(first.code).toBe(1);
    expect(first.lines).toHaveLength(1);
    expect(first.status).toMatchObject({ policy: 'report', outcome: 'pending', tenants: { pending: 3, 'in-sync': 0 }, report: 'reports/drift.json' });
    const report = JSON.parse(readFileSync(path.join(dir, 'reports', 'drift.json'), 'utf8'));
    expect(report.tenants.map((t: { tenant: string; status: string }) => `${t.tenant}:${t.status}`)).toEqual(['acme:pending', 'globex:pending', 'initech:pending']);
    expect(readFileSync(path.join(dir, 'reports', 'drift.md'), 'utf8')).toContain('## `acme`: pending');

    const applied = await reconcile(dir, '--policy', 'apply-safe');
    expect(applied.code).toBe(0);
    expect(applied.status.apply.waves).toEqual([
      { wave: 'canary', tenants: 1, applied: 1, failed: 0, notStarted: 0 },
      { wave: 'rest', tenants: 2, applied: 2, failed: 0, notStarted: 0 },
    ]);
    expect(applied.status).toMatchObject({ outcome: 'ok', tenants: { 'in-sync': 3, pending: 0 } });
    const subject = git(dir, 'log', '-1', '--format=%s', '--', 'snapshots/acme.yaml');
    expect(subject).toMatch(/^schema-sync: reconcile [0-9a-f]{16} \(3 tenants: acme, globex, initech\)/);
    expect(applied.status.apply.snapshotCommit).toBe(git(dir, 'rev-parse', 'HEAD').trim());

    // Out of band: the next pass reports the drift, and names the tenant.
    sql('globex', 'ALTER TABLE accounts ADD COLUMN hack TEXT');
    const drifted = await reconcile(dir, '--policy', 'apply-safe');
    expect(drifted.code).toBe(1);
    expect(drifted.status).toMatchObject({ outcome: 'drift', drifted: ['globex'], tenants: { drifted: 1, 'in-sync': 2 } });
    expect(drifted.status.apply).toBeUndefined();
    const driftReport = JSON.parse(readFileSync(path.join(dir, 'reports', 'drift.json'), 'utf8'));
    expect(driftReport.tenants).toEqual([
      { tenant: 'globex', status: 'drifted', differences: ['drop column accounts.hack'], drift: ['add column accounts.hack (TEXT)'] },
    ]);

    // The manifest and an out-of-band change to the same column, differently: a conflict.
    sql('initech', 'ALTER TABLE accounts ADD COLUMN note TEXT');
    manifest({ ...columns, note: 'integer' });
    const conflict = await reconcile(dir, '--policy', 'apply-safe');
    expect(conflict.status.tenants).toMatchObject({ conflict: 1, drifted: 1, pending: 0, 'in-sync': 1 });
    const conflictReport = JSON.parse(readFileSync(path.join(dir, 'reports', 'drift.json'), 'utf8'));
    expect(conflictReport.tenants.find((t: { tenant: string }) => t.tenant === 'initech')).toMatchObject({ status: 'conflict', conflicts: ['column accounts.note'] });
    // acme was pending and safe: applied; drifted and conflicting tenants were left alone.
    expect(conflict.status.apply.applied).toBe(1);
    const initech = new Database(path.join(dir, 'data', 'initech.db'));
    expect((initech.pragma('table_info(accounts)') as { name: string; type: string }[]).map((c) => `${c.name} ${c.type}`)).toContain('note TEXT');
    initech.close();
  });

  test('policy plan commits the plan file to a branch, once, without touching the checkout', async () => {
    const { dir, manifest } = createRepo('plan', { policy: 'plan' });
    await reconcile(dir, '--policy', 'apply-safe');
    manifest({ ...columns, email: 'text' });
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const first = await reconcile(dir);
    expect(first.status.plan).toMatchObject({ tenants: 3, withHazards: 0, branch: `schema-sync/plan-${first.status.plan.id}` });
    // Written straight into git: no copy in the checkout stands in the way of merging the branch.
    expect(existsSync(path.join(dir, 'plans', `${first.status.plan.id}.yaml`))).toBe(false);
    const branch = first.status.plan.branch;
    expect(git(dir, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(git(dir, 'branch', '--show-current').trim()).toBe('main');
    expect(git(dir, 'rev-parse', `${branch}~1`).trim()).toBe(head);
    expect(git(dir, 'show', '--name-only', '--format=%s', branch).trim().split('\n')).toEqual([
      `schema-sync: plan ${first.status.plan.id} (3 tenants)`,
      '',
      `plans/${first.status.plan.id}.yaml`,
    ]);
    expect(git(dir, 'status', '--porcelain', '--', 'schema').trim()).toBe('');
    const second = await reconcile(dir);
    expect(second.status.plan.commit).toBe(first.status.plan.commit);
    expect(git(dir, 'branch', '--list', 'schema-sync/*').trim().split('\n')).toHaveLength(1);
  });

  test('a wave that reaches maxFailuresPerWave halts the rollout: later waves are not started', async () => {
    const { dir } = createRepo('halt', {}, { busyTimeout: '100ms' });
    // The canary's file is held by another writer, so its apply fails.
    const holder = new Database(path.join(dir, 'data', 'acme.db'));
    holder.exec('BEGIN IMMEDIATE');
    try {
      const run = await reconcile(dir, '--policy', 'apply-safe');
      expect(run.code).toBe(3);
      expect(run.status.apply).toMatchObject({ halted: true, applied: 0, failed: 1, waves: [{ wave: 'canary', failed: 1 }] });
      expect(run.status.outcome).toBe('failed');
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    for (const t of ['globex', 'initech']) {
      const db = new Database(path.join(dir, 'data', `${t}.db`));
      expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'accounts'`).get()).toEqual({ n: 0 });
      db.close();
    }
  });

  test('--interval runs a pass per interval with a JSON status line each, serves metrics, and stops on SIGTERM', async () => {
    const { dir } = createRepo('metrics');
    const child = spawn(process.execPath, [bin, 'reconcile', '--json', '--interval', '1s', '--metrics-port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const until = async (ok: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(() => stdout.split('\n').filter((l) => l.startsWith('{')).length >= 2);
      const port = /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1];
      expect(port).toBeDefined();
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toContain('schema_sync_tenants{state="pending"} 3');
      expect(text).toContain('schema_sync_tenants{state="in-sync"} 0');
      expect(text).toContain('schema_sync_drifted_tenants 0');
      expect(text).toMatch(/schema_sync_runs_total\{outcome="pending"\} [2-9]/);
      expect(text).toContain('schema_sync_runs_total{outcome="drift"} 0');
      expect(text).toMatch(/schema_sync_run_duration_seconds_count [2-9]/);
      for (const line of stdout.trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ policy: 'report', outcome: 'pending' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  test('reconcile.ref: each pass fetches the remote and picks up a merged manifest change', async () => {
    const { dir: upstream, manifest } = createRepo('upstream');
    const origin = path.join(root, 'origin.git');
    git(root, 'clone', '--quiet', '--bare', upstream, origin);
    const worker = path.join(root, 'worker');
    git(root, 'clone', '--quiet', origin, worker);
    git(worker, 'config', 'user.name', 'Worker');
    git(worker, 'config', 'user.email', 'worker@example.com');
    mkdirSync(path.join(worker, 'data'));
    for (const t of tenants) new Database(path.join(worker, 'data', `${t}.db`)).close();
    writeFileSync(path.join(worker, 'schema-sync.yaml'), readFileSync(path.join(upstream, 'schema-sync.yaml'), 'utf8').replace('reconcile:', 'reconcile:\n  ref: origin/main'));
    const settle = await reconcile(worker, '--policy', 'apply-safe');
    expect(settle.status).toMatchObject({ ref: 'origin/main', outcome: 'ok', tenants: { 'in-sync': 3 } });

    // A change merged upstream after the worker's clone: the next pass fetches it.
    manifest({ ...columns, email: 'text' });
    git(upstream, 'push', '--quiet', origin, 'main');
    const next = await reconcile(worker);
    expect(next.status).toMatchObject({ ref: 'origin/main', commit: git(worker, 'rev-parse', 'HEAD').trim(), tenants: { pending: 3 } });
    expect(readFileSync(path.join(worker, 'schema', 'manifest.yaml'), 'utf8')).toContain('email');
    // The worker's own snapshot commit was replayed on top of the fetched ref.
    expect(git(worker, 'log', '--format=%s', '-2').trim().split('\n')[0]).toMatch(/^schema-sync: reconcile /);
    expect(git(worker, 'merge-base', '--is-ancestor', 'origin/main', 'HEAD')).toBe('');
  });

  test('no tenants matched is a failed pass: exit 2, a failed status line and runs_total{outcome="failed"}', async () => {
    const { dir } = createRepo('nomatch');
    const once = await reconcile(dir, '--tenant', 'nosuch');
    expect(once.code).toBe(2);
    expect(once.status).toMatchObject({ outcome: 'failed', error: expect.stringContaining('no tenants matched') });
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);

    const child = spawn(process.execPath, [bin, 'reconcile', '--json', '--tenant', 'nosuch', '--interval', '1s', '--metrics-port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('\n')) {
        if (Date.now() > deadline) throw new Error(`timed out; stdout: ${stdout}\nstderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr)?.[1];
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(text).toMatch(/schema_sync_runs_total\{outcome="failed"\} [1-9]/);
      expect(text).toContain('schema_sync_runs_total{outcome="ok"} 0');
    } finally {
      child.kill('SIGTERM');
    }
    await exited;
  });

  test('a refused name outside --tenant does not fail the pass; over the whole fleet it does', async () => {
    const { dir } = createRepo('refused');
    new Database(path.join(dir, 'data', 'bad name.db')).close();
    const narrowed = await reconcile(dir, '--tenant', 'acme');
    expect(narrowed.status).toMatchObject({ outcome: 'pending', refused: 0, tenants: { pending: 1 } });
    expect(narrowed.code).toBe(1);
    const labelled = await reconcile(dir, '--label', 'canary');
    expect(labelled.status).toMatchObject({ refused: 0 });
    expect(labelled.code).toBe(1);
    const check = await runCli(['check', '--tenant', 'acme', '--json'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).refused).toEqual([]);
    expect(check.stderr).not.toContain('refused tenant name');
    // Selected by the glob, or a run over every tenant: the refusal still fails the gate.
    const glob = await reconcile(dir, '--tenant', 'bad*');
    expect(glob.code).toBe(2);
    const all = await reconcile(dir);
    expect(all.status).toMatchObject({ outcome: 'failed', refused: 1 });
    expect(all.code).toBe(2);
  });

  test('a pass that cannot run is a failed status line, and names the problem', async () => {
    const { dir } = createRepo('badref', { ref: 'origin/nowhere' });
    const run = await reconcile(dir);
    expect(run.code).toBe(2);
    expect(run.status).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/reconcile\.ref origin\/nowhere names no commit/) });
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);
  });
});
