import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';

// examples/gitops/README.md, end to end: real SQLite files, a real git repository and the built
// CLI (npm run build). The files the README writes with heredocs are read from the README itself,
// so the walk-through and this test cannot drift apart.

const readme = readFileSync(path.join(import.meta.dirname, '..', 'examples', 'gitops', 'README.md'), 'utf8');
const tenants = ['acme', 'globex', 'initech'];

/** The body of the README's `cat > file <<'EOF'` (or `>>`, with append) heredoc; `nth` counts from 0. */
function heredoc(file: string, op: '>' | '>>' = '>', nth = 0): string {
  const escaped = file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const found = [...readme.matchAll(new RegExp(`^cat ${op} ${escaped} <<'EOF'\\n([\\s\\S]*?)^EOF$`, 'gm'))];
  expect(found.length, `README: cat ${op} ${file} <<'EOF' #${nth}`).toBeGreaterThan(nth);
  return found[nth]![1]!;
}

/** The argument of the README's `echo '...' >> file` line. */
function echoed(file: string): string {
  const found = readme.match(new RegExp(`^echo '([^']*)' >> ${file.replace(/[./]/g, '\\$&')}`, 'm'));
  expect(found, `README: echo ... >> ${file}`).not.toBeNull();
  return `${found![1]}\n`;
}

let dir: string;
const cli = (...args: string[]) => runCli(args, { cwd: dir });
const file = (name: string) => path.join(dir, name);
const commit = (message: string, ...paths: string[]) => {
  git(dir, 'add', ...paths);
  git(dir, 'commit', '--quiet', '-m', message);
};

/** `plan --json` with extra flags: the plan file (null when none was written) and the plan. */
async function plan(...flags: string[]): Promise<{ file: string | null; plan: any }> {
  const result = await cli('plan', '--json', ...flags);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function apply(planFile: string): Promise<any> {
  const result = await cli('apply', planFile, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-examples-gitops-'));
  initRepo(dir);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('examples/gitops: the README flow', { timeout: 60_000 }, () => {
  test('1. init, three tenants with a canary, an initial apply commits the snapshots', async () => {
    const init = await cli('init', '--engine', 'sqlite', '--pattern', 'data/tenants/*.db');
    expect(init.code, init.stderr).toBe(0);
    writeFileSync(file('schema-sync.yaml'), heredoc('schema-sync.yaml'));
    writeFileSync(file('.gitignore'), 'node_modules/\ndata/\nreports/\n');
    await mkdir(file('data/tenants'), { recursive: true });
    for (const t of tenants) writeFileSync(file(`data/tenants/${t}.db`), ''); // touch: an empty database

    commit('schema-sync project: three SQLite tenants', '.');

    const initial = await plan();
    expect(initial.file).toBe(`plans/${initial.plan.id}.yaml`);
    commit('plan: initial schema', 'plans');
    const applied = await apply(initial.file!);
    expect(applied.snapshots).toMatchObject({ store: 'git', saved: tenants });
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`schema-sync: apply ${initial.plan.id} (3 tenants: acme, globex, initech)`);
    for (const t of tenants) expect(existsSync(file(`snapshots/${t}.yaml`)), t).toBe(true);
  });

  test('2-3. a change planned on a branch, merged, applied: a snapshot commit per apply', async () => {
    git(dir, 'switch', '--quiet', '-c', 'add-display-name');
    appendFileSync(file('schema/manifest.yaml'), echoed('schema/manifest.yaml'));
    commit('accounts: add display_name', 'schema/manifest.yaml');

    // The pull-request comment; it writes the plan file as plain `plan` does.
    const markdown = await cli('plan', '--format', 'markdown');
    expect(markdown.code, markdown.stderr).toBe(0);
    const id = /^### schema-sync plan `([0-9a-f]+)`/m.exec(markdown.stdout)?.[1];
    expect(id, markdown.stdout).toBeDefined();
    expect(markdown.stdout).toContain('#### 1. 3 tenants: acme, globex, initech');
    expect(markdown.stdout).toContain('ADD COLUMN "display_name"');
    const planFile = `plans/${id}.yaml`;
    expect(existsSync(file(planFile))).toBe(true);
    commit('plan: add display_name', 'plans');
    git(dir, 'switch', '--quiet', 'main');
    git(dir, 'merge', '--quiet', '--no-ff', '--no-edit', 'add-display-name');

    await apply(planFile);
    const subjects = git(dir, 'log', '--format=%s', '--', 'snapshots/acme.yaml').trim().split('\n');
    expect(subjects).toHaveLength(2);
    expect(subjects[0]).toBe(`schema-sync: apply ${id} (3 tenants: acme, globex, initech)`);
    const diff = await cli('snapshot', 'diff', 'acme', 'HEAD~1', 'HEAD');
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('+ add column accounts.display_name (TEXT)');
  });

  test('4. an out-of-band index: reconcile and check report drift, plan holds it, --revert-drift plans it back', async () => {
    const globex = new Database(file('data/tenants/globex.db'));
    globex.exec('CREATE INDEX accounts_created_at_idx ON accounts (created_at)');
    globex.close();

    // The status line of one pass (the README also shows the text form, which says the same).
    const status = await cli('reconcile', '--json');
    expect(status.code, status.stderr).toBe(1);
    expect(readFileSync(file('reports/drift.md'), 'utf8')).toContain('## `globex`: drifted');
    expect(JSON.parse(status.stdout)).toMatchObject({
      policy: 'report',
      drifted: ['globex'],
      tenants: { 'in-sync': 2, pending: 0, drifted: 1, conflict: 0 },
      outcome: 'drift',
    });

    const check = await cli('check');
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/drifted\s+globex/);

    const held = await plan();
    expect(held.file).toBeNull();
    expect(held.plan.held.map((h: { tenant: string }) => h.tenant)).toEqual(['globex']);

    const revert = await plan('--revert-drift');
    expect(revert.file).not.toBeNull();
    expect(revert.plan.groups.flatMap((g: any) => g.tenants.map((t: { name: string }) => t.name))).toEqual(['globex']);
    commit('plan: revert drift on globex', 'plans');
    await apply(revert.file!);
    expect((await cli('check')).code).toBe(0);
  });

  test('4. or --adopt-drift, then the override keeps the hand-made column', async () => {
    const initech = new Database(file('data/tenants/initech.db'));
    initech.exec('ALTER TABLE accounts ADD COLUMN legacy_id integer');
    initech.close();

    const adopted = await plan('--adopt-drift');
    expect(adopted.plan.held.map((h: { tenant: string }) => h.tenant)).toEqual(['initech']);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe('schema-sync: adopt drift (1 tenant: initech)');

    writeFileSync(file('overrides/initech.yaml'), heredoc('overrides/initech.yaml'));
    commit('initech keeps legacy_id', 'overrides');
    expect((await cli('check')).code).toBe(0);
  });

  test('5. reconcile --policy apply-safe applies a hazard-free change in waves, canary first', async () => {
    appendFileSync(file('schema/manifest.yaml'), heredoc('schema/manifest.yaml', '>>', 0));
    commit('invoices table', 'schema/manifest.yaml');

    const pass = await cli('reconcile', '--policy', 'apply-safe', '--json');
    expect(pass.code, pass.stdout + pass.stderr).toBe(0);
    const status = JSON.parse(pass.stdout);
    expect(status.tenants).toMatchObject({ 'in-sync': 3, pending: 0 });
    expect(status.apply.waves).toMatchObject([
      { wave: 'canary', tenants: 1, applied: 1, failed: 0 },
      { wave: 'rest', tenants: 2, applied: 2, failed: 0 },
    ]);
    expect(git(dir, 'log', '-1', '--format=%s').trim()).toBe(`schema-sync: reconcile ${status.plan.id} (3 tenants: acme, globex, initech)`);
  });

  test('5. the loop holds a change with a hazard, serves metrics and stops on SIGINT', async () => {
    appendFileSync(file('schema/manifest.yaml'), heredoc('schema/manifest.yaml', '>>', 1));
    commit('index invoices.account_id', 'schema/manifest.yaml');

    const loop = spawn(process.execPath, [path.join(import.meta.dirname, '..', 'bin', 'run.js'), 'reconcile', '--policy', 'apply-safe', '--interval', '30s', '--metrics-port', '0'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    loop.stdout.on('data', (chunk) => (output += chunk));
    loop.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => loop.on('exit', (code) => resolve(code)));
    try {
      // The first pass is over when its status line is out.
      while (!/left for a reviewed apply/.test(output)) {
        if (loop.exitCode !== null) throw new Error(`reconcile exited early:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const port = /metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(output)?.[1];
      expect(port, output).toBeDefined();
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain('schema_sync_tenants{state="pending"} 3');
      expect(metrics).toContain('schema_sync_drifted_tenants 0');
      expect(metrics).toContain('schema_sync_runs_total{outcome="pending"} 1');
    } finally {
      loop.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
