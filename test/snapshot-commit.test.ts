import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withFileLock } from '../src/snapshot/file-lock.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';

// Snapshots that are not committed are lost with the checkout (a CI runner's), and the next plan
// holds their tenants as drifted by schema-sync's own change: failing to save them is a failure.
// Real SQLite tenant files, a real git repository and the built CLI (npm run build).

const bin = path.join(import.meta.dirname, '..', 'bin', 'run.js');
let root: string;
let emptyHome: string;

/** Git as on a fresh CI runner: no global or system config, so no identity. */
function noIdentity(): Record<string, string> {
  return { HOME: emptyHome, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
}

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete env[key];
  return env;
}

/**
 * A project in a git repository: SQLite tenants under data/ (ignored, as a database is), and a
 * committed plan that adds a table to each. `identity: false` leaves the repository without one.
 */
async function project(name: string, tenants: readonly string[], options: { identity?: boolean } = {}): Promise<{ dir: string; plan: string }> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await mkdir(path.join(dir, 'schema'), { recursive: true });
  initRepo(dir);
  writeFileSync(path.join(dir, 'schema-sync.yaml'), 'engine: sqlite\ntenants:\n  pattern: "data/*.db"\nmanifest: schema/manifest.yaml\n');
  writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), 'version: 1\ntables:\n  notes:\n    columns:\n      id: { type: integer, primaryKey: true }\n      title: text\n');
  writeFileSync(path.join(dir, '.gitignore'), 'data/\n');
  for (const t of tenants) writeFileSync(path.join(dir, 'data', `${t}.db`), '');
  git(dir, 'add', '.');
  git(dir, 'commit', '--quiet', '-m', 'project');
  const planned = await runCli(['plan', '--json'], { cwd: dir });
  expect(planned.code, planned.stderr).toBe(0);
  const plan = JSON.parse(planned.stdout).file as string;
  git(dir, 'add', 'plans');
  git(dir, 'commit', '--quiet', '-m', 'plan');
  if (options.identity === false) {
    git(dir, 'config', '--unset', 'user.name');
    git(dir, 'config', '--unset', 'user.email');
  }
  return { dir, plan };
}

/** Files the last commits touching snapshots/ hold, sorted. */
function committedSnapshots(dir: string): string[] {
  return git(dir, 'log', '--format=', '--name-only', '--', 'snapshots')
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

function runApart(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'schema-sync-snapshot-commit-'));
  emptyHome = path.join(root, 'home');
  await mkdir(emptyHome);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('snapshot commits', { timeout: 120_000 }, () => {
  test('a commit that fails is a failed apply: exit 3, the tenants named, nothing said to be saved', async () => {
    const { dir, plan } = await project('refused', ['acme', 'globex']);
    // A hook that refuses every commit, as a repository's policy may.
    const hook = path.join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho "commits are frozen" >&2\nexit 1\n');
    chmodSync(hook, 0o755);

    const applied = await runApart(['apply', plan, '--json'], dir);
    expect(applied.code, applied.stderr).toBe(3);
    const out = JSON.parse(applied.stdout);
    expect(out.summary.applied).toBe(2);
    expect(out.unsavedSnapshots).toEqual(['acme', 'globex']);
    expect(out.snapshotError).toMatch(/snapshots not saved for 2 tenants \(acme, globex\): git could not commit/);
    expect(out.snapshotError).toContain('commits are frozen');
    expect(out.snapshots).toBeUndefined();
    expect(applied.stderr).toMatch(/error: snapshots not saved for 2 tenants \(acme, globex\)/);
    expect(committedSnapshots(dir)).toEqual([]);
  });

  test('reconcile --policy apply-safe fails the same way: exit 3, outcome failed, the tenants named', async () => {
    const { dir } = await project('refused-reconcile', ['acme', 'globex']);
    const hook = path.join(dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\nexit 1\n');
    chmodSync(hook, 0o755);

    const pass = await runApart(['reconcile', '--policy', 'apply-safe', '--json'], dir);
    expect(pass.code, pass.stderr).toBe(3);
    const status = JSON.parse(pass.stdout);
    expect(status.outcome).toBe('failed');
    expect(status.apply.applied).toBe(2);
    expect(status.apply.unsavedSnapshots).toEqual(['acme', 'globex']);
    expect(status.apply.snapshotError).toMatch(/snapshots not saved for 2 tenants \(acme, globex\)/);
    expect(committedSnapshots(dir)).toEqual([]);
  });

  test('no git identity anywhere: the snapshots are committed as schema-sync, and the user config is left alone', async () => {
    const { dir, plan } = await project('anonymous', ['acme'], { identity: false });
    const applied = await runApart(['apply', plan, '--json'], dir, noIdentity());
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout).snapshots.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s').trim()).toMatch(/^schema-sync <schema-sync@localhost>\|schema-sync <schema-sync@localhost>\|schema-sync: apply /);
    expect(committedSnapshots(dir)).toEqual(['snapshots/acme.yaml']);
    expect(() => git(dir, 'config', '--local', '--get', 'user.name')).toThrow();
    expect(readFileSync(path.join(dir, '.git', 'config'), 'utf8')).not.toContain('schema-sync');
  });

  test('an identity from the environment wins over the fallback', async () => {
    const { dir, plan } = await project('env-identity', ['acme'], { identity: false });
    const env = { ...noIdentity(), GIT_AUTHOR_NAME: 'Ci Bot', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'Ci Bot', GIT_COMMITTER_EMAIL: 'ci@example.com' };
    const applied = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [bin, 'apply', plan], { cwd: dir, env: { ...childEnv({}), ...env } });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.on('exit', (code) => resolve({ code: code ?? 1, stdout: '', stderr }));
    });
    expect(applied.code, applied.stderr).toBe(0);
    expect(git(dir, 'log', '-1', '--format=%an <%ae>|%cn <%ce>').trim()).toBe('Ci Bot <ci@example.com>|Ci Bot <ci@example.com>');
  });

  test("two applies in one checkout, while another git holds index.lock: both commit, both exit 0", async () => {
    const first = ['acme', 'globex', 'initech'];
    const second = ['hooli', 'umbrella', 'wayne'];
    const { dir, plan } = await project('concurrent', [...first, ...second]);
    // Another git (an editor's, a `git status`) holds the index while both applies come to commit.
    const indexLock = path.join(dir, '.git', 'index.lock');
    writeFileSync(indexLock, '');
    const runs = [runApart(['apply', plan, ...first.flatMap((t) => ['--tenant', t])], dir), runApart(['apply', plan, ...second.flatMap((t) => ['--tenant', t])], dir)];
    // Release it once every snapshot file is written: both runs are then at, or about to reach, their commit.
    for (;;) {
      if ([...first, ...second].every((t) => existsSync(path.join(dir, 'snapshots', `${t}.yaml`)))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 1000));
    unlinkSync(indexLock);
    const [a, b] = await Promise.all(runs);
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);
    expect(a!.stderr + b!.stderr).not.toMatch(/not saved|warning/);
    expect(committedSnapshots(dir)).toEqual([...first, ...second].sort().map((t) => `snapshots/${t}.yaml`));
    // Two commits, one per run, each with its own tenants; nothing left uncommitted.
    const subjects = git(dir, 'log', '--format=%s', '--', 'snapshots').trim().split('\n').sort();
    expect(subjects).toHaveLength(2);
    expect(subjects.some((s) => s.endsWith('(3 tenants: acme, globex, initech)'))).toBe(true);
    expect(subjects.some((s) => s.endsWith('(3 tenants: hooli, umbrella, wayne)'))).toBe(true);
    expect(git(dir, 'status', '--porcelain', '--', 'snapshots').trim()).toBe('');
    expect(existsSync(path.join(dir, '.git', 'schema-sync-snapshots.lock'))).toBe(false);
  });
});

describe('the commit lock', () => {
  test('holders take turns', async () => {
    const file = path.join(root, 'turns.lock');
    const events: string[] = [];
    const hold = (name: string) =>
      withFileLock(file, { waitMs: 10_000, what: 'test' }, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b'), hold('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]!.replace(' in', ' out'));
    expect(existsSync(file)).toBe(false);
  });

  test("a lock left by a process that has ended is taken over; a live one is waited for, then named", async () => {
    const file = path.join(root, 'left.lock');
    // A pid no process has: the kernel's pid_max is far below it.
    writeFileSync(file, `2147483646 ${hostname()} left\n`);
    await expect(withFileLock(file, { waitMs: 5_000, what: 'test' }, async () => 'ran')).resolves.toBe('ran');

    writeFileSync(file, `${process.pid} ${hostname()} mine\n`);
    await expect(withFileLock(file, { waitMs: 200, what: 'another schema-sync is committing' }, async () => 'ran')).rejects.toThrow(
      new RegExp(`another schema-sync is committing: .*left\\.lock is held by process ${process.pid}; gave up`),
    );
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid} ${hostname()} mine\n`);
  });
});
