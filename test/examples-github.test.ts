import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './helpers/cli.js';
import { git, initRepo } from './helpers/git.js';

// examples/github/*.yml, run as GitHub would run them: every `run:` step, read from the workflow
// files themselves, in a fresh clone on a runner that has no git identity (HOME empty, no global
// or system git config), with a bare repository as the remote and SQLite files as the tenants.
// Only what GitHub provides is stubbed: actions/checkout (a clone of the remote), setup-node,
// upload-artifact, `gh` (comments are kept in a file), npm ci, and `npx schema-sync` (the built
// CLI: npm run build).

const workflows = path.join(import.meta.dirname, '..', 'examples', 'github');
const bin = path.join(import.meta.dirname, '..', 'bin', 'run.js');
const tenants = ['acme', 'globex', 'initech'];

let root: string;
let origin: string; // the bare repository: GitHub's copy
let dev: string; // a developer's clone, with an identity
let stubs: string;
let home: string;
let databases: string; // what SCHEMA_SYNC_DATABASE_URL would point to: the tenants, outside any clone
let runs = 0;

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly with?: Record<string, string | number>;
  readonly run?: string;
  readonly env?: Record<string, string>;
  readonly if?: string;
}

interface StepRun {
  readonly name: string;
  readonly code: number;
  readonly output: string;
}

interface JobRun {
  readonly ok: boolean;
  readonly steps: StepRun[];
  /** The runner's checkout. */
  readonly dir: string;
  readonly summary: string;
  readonly comments: string[];
}

interface Event {
  readonly name: 'push' | 'pull_request' | 'schedule';
  /** The branch checked out by default (push, schedule). */
  readonly ref?: string;
  readonly headRef?: string;
  readonly baseRef?: string;
  readonly number?: number;
  /** Called before a step runs, by name: what others do meanwhile. */
  readonly before?: Record<string, () => void>;
}

/** `${{ ... }}` as GitHub evaluates it for these workflows; anything else fails the test. */
function expand(text: string, event: Event): string {
  const context: Record<string, string> = {
    'secrets.SCHEMA_SYNC_DATABASE_URL': '', // SQLite: the tenants are files; no URL
    'github.head_ref': event.headRef ?? '',
    'github.base_ref': event.baseRef ?? '',
    'github.ref_name': event.ref ?? event.headRef ?? '',
    'github.token': 'stub-token',
    'github.event.pull_request.number': String(event.number ?? ''),
  };
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in context)) throw new Error(`the workflow uses \${{ ${expression} }}, which this test does not provide`);
    return context[expression]!;
  });
}

/** A runner's environment: no git identity anywhere, the stubs first on PATH. */
function runnerEnv(event: Event, dir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('GIT_') || key.startsWith('GITHUB_') || key === 'EMAIL') delete env[key];
  return {
    ...env,
    NO_COLOR: '1',
    HOME: home,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    PATH: `${stubs}:${process.env['PATH']}`,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_REF_NAME: event.ref ?? `${event.number}/merge`,
    GITHUB_HEAD_REF: event.headRef ?? '',
    GITHUB_BASE_REF: event.baseRef ?? '',
    GITHUB_WORKSPACE: dir,
    GITHUB_STEP_SUMMARY: path.join(dir, '..', 'summary.md'),
    GITHUB_OUTPUT: path.join(dir, '..', 'output'),
    COMMENTS: path.join(dir, '..', 'comments'),
    ...extra,
  };
}

/** actions/checkout: a fresh clone of the remote at the branch, as deep as asked; the database beside it. */
function checkout(dir: string, ref: string, depth: number): void {
  const args = ['clone', '--quiet', '--branch', ref];
  if (depth > 0) args.push('--depth', String(depth));
  // file:// so that --depth is honoured, as it is for a clone from GitHub.
  const cloned = spawnSync('git', [...args, `file://${origin}`, dir], { encoding: 'utf8', env: { ...process.env, HOME: home, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  if (cloned.status !== 0) throw new Error(`checkout of ${ref}: ${cloned.stderr}`);
  symlinkSync(databases, path.join(dir, 'data'));
}

/** Runs the workflow's one job, step by step, as GitHub would: a failed step skips the rest but `if: always()`. */
function runWorkflow(file: string, event: Event): JobRun {
  const workflow = parse(readFileSync(path.join(workflows, file), 'utf8')) as { jobs: Record<string, { env?: Record<string, string>; steps: Step[] }> };
  const jobs = Object.values(workflow.jobs);
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  const runner = path.join(root, `run-${++runs}`);
  const dir = path.join(runner, 'work');
  spawnSync('mkdir', ['-p', runner]);
  writeFileSync(path.join(runner, 'comments'), '');
  writeFileSync(path.join(runner, 'summary.md'), '');
  const jobEnv = Object.fromEntries(Object.entries(job.env ?? {}).map(([k, v]) => [k, expand(String(v), event)]));
  const steps: StepRun[] = [];
  let failed = false;
  for (const step of job.steps) {
    const name = step.name ?? step.uses ?? step.run!.split('\n')[0]!;
    if (step.if !== undefined && step.if !== 'always()') throw new Error(`${file}: step "${name}": if: ${step.if} is not understood by this test`);
    if (failed && step.if !== 'always()') continue;
    event.before?.[name]?.();
    if (step.uses !== undefined) {
      const action = step.uses.split('@')[0];
      if (action === 'actions/checkout') {
        const ref = step.with?.['ref'] !== undefined ? expand(String(step.with['ref']), event) : event.ref!;
        checkout(dir, ref, Number(step.with?.['fetch-depth'] ?? 1));
      } else if (action === 'actions/upload-artifact') {
        const artifact = String(step.with?.['path']);
        steps.push({ name, code: existsSync(path.join(dir, artifact)) ? 0 : 1, output: `artifact ${artifact}` });
        continue;
      } else if (action !== 'actions/setup-node') {
        throw new Error(`${file}: ${step.uses} is not stubbed by this test`);
      }
      steps.push({ name, code: 0, output: '' });
      continue;
    }
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), event)]));
    // GitHub's default shell for run steps.
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(step.run!, event)], {
      cwd: dir,
      encoding: 'utf8',
      env: runnerEnv(event, dir, { ...jobEnv, ...stepEnv }),
    });
    steps.push({ name, code: result.status ?? 1, output: result.stdout + result.stderr });
    if (result.status !== 0) failed = true;
  }
  const comments = readFileSync(path.join(runner, 'comments'), 'utf8').split('\n<<comment>>\n').filter((c) => c !== '');
  return { ok: !failed && steps.every((s) => s.code === 0), steps, dir, summary: readFileSync(path.join(runner, 'summary.md'), 'utf8'), comments };
}

function explain(run: JobRun): string {
  return run.steps.map((s) => `--- ${s.name} (exit ${s.code})\n${s.output}`).join('\n');
}

function stub(name: string, script: string): void {
  const file = path.join(stubs, name);
  writeFileSync(file, `#!/bin/sh\n${script}`);
  chmodSync(file, 0o755);
}

/** The developer: a branch with a change, pushed; or a branch merged into main, pushed. */
function pushBranch(branch: string, from: string, change: (dir: string) => void, message: string): void {
  git(dev, 'fetch', '--quiet', 'origin');
  git(dev, 'switch', '--quiet', '-C', branch, `origin/${from}`);
  change(dev);
  git(dev, 'add', '-A');
  git(dev, 'commit', '--quiet', '-m', message);
  git(dev, 'push', '--quiet', 'origin', branch);
}

function merge(branch: string): void {
  git(dev, 'fetch', '--quiet', 'origin');
  git(dev, 'switch', '--quiet', '-C', 'main', 'origin/main');
  git(dev, 'merge', '--quiet', '--no-ff', '--no-edit', `origin/${branch}`);
  git(dev, 'push', '--quiet', 'origin', 'main');
}

function addToManifest(text: string): (dir: string) => void {
  return (dir) => writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), readFileSync(path.join(dir, 'schema', 'manifest.yaml'), 'utf8') + text);
}

function columns(tenant: string, table: string): string[] {
  const db = new Database(path.join(databases, 'tenants', `${tenant}.db`), { readonly: true });
  try {
    return (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'schema-sync-examples-github-'));
  origin = path.join(root, 'origin.git');
  dev = path.join(root, 'dev');
  stubs = path.join(root, 'stubs');
  home = path.join(root, 'home');
  databases = path.join(root, 'databases');
  await Promise.all([mkdir(stubs), mkdir(home), mkdir(path.join(databases, 'tenants'), { recursive: true }), mkdir(path.join(dev, 'schema'), { recursive: true })]);
  for (const t of tenants) writeFileSync(path.join(databases, 'tenants', `${t}.db`), '');

  stub('npx', `if [ "$1" = schema-sync ]; then shift; exec "${process.execPath}" "${bin}" "$@"; fi\necho "npx stub: $*" >&2\nexit 127\n`);
  stub('npm', `[ "$1" = ci ] && exit 0\necho "npm stub: $*" >&2\nexit 127\n`);
  // gh pr comment: kept in $COMMENTS; --edit-last fails when there is no comment yet, as gh does.
  stub(
    'gh',
    [
      'body=""; edit=0; prev=""',
      'for a in "$@"; do [ "$prev" = --body-file ] && body="$a"; [ "$a" = --edit-last ] && edit=1; prev="$a"; done',
      '[ "$1 $2" = "pr comment" ] || { echo "gh stub: $*" >&2; exit 127; }',
      '[ -n "$GH_TOKEN" ] || { echo "gh: no GH_TOKEN" >&2; exit 4; }',
      'if [ "$edit" = 1 ] && [ ! -s "$COMMENTS" ]; then echo "no comments found for current user" >&2; exit 1; fi',
      'cat "$body" >> "$COMMENTS"; printf "\\n<<comment>>\\n" >> "$COMMENTS"',
      '',
    ].join('\n'),
  );

  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', origin);
  initRepo(dev);
  writeFileSync(path.join(dev, 'schema-sync.yaml'), 'engine: sqlite\ntenants:\n  pattern: "data/tenants/*.db"\nmanifest: schema/manifest.yaml\nplans: plans/\nsnapshots: snapshots/\n');
  writeFileSync(path.join(dev, '.gitignore'), 'data\n');
  writeFileSync(path.join(dev, 'schema', 'manifest.yaml'), 'version: 1\ntables:\n  accounts:\n    columns:\n      id: { type: integer, primaryKey: true }\n      email: { type: text, nullable: false }\n');
  git(dev, 'add', '-A');
  git(dev, 'commit', '--quiet', '-m', 'schema-sync project: three SQLite tenants');
  git(dev, 'remote', 'add', 'origin', origin);
  git(dev, 'push', '--quiet', '-u', 'origin', 'main');
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('examples/github: the loop on a runner with no git identity', { timeout: 240_000 }, () => {
  test('every workflow step is a run: or a stubbed action', () => {
    for (const file of ['plan-on-pull-request.yml', 'apply-on-merge.yml', 'drift-check.yml']) {
      const workflow = parse(readFileSync(path.join(workflows, file), 'utf8')) as { jobs: Record<string, { steps: Step[] }> };
      for (const job of Object.values(workflow.jobs)) for (const step of job.steps) expect(step.run !== undefined || step.uses !== undefined, `${file}: ${step.name}`).toBe(true);
    }
  });

  test('plan on a pull request, apply on merge, snapshots pushed; the next pull request sees no drift', () => {
    // 1. A pull request: the first plan, committed to its branch and commented.
    pushBranch('notes', 'main', addToManifest('  notes:\n    columns:\n      id: { type: integer, primaryKey: true }\n      body: text\n'), 'notes table');
    const planned = runWorkflow('plan-on-pull-request.yml', { name: 'pull_request', headRef: 'notes', baseRef: 'main', number: 1 });
    expect(planned.ok, explain(planned)).toBe(true);
    expect(planned.comments).toHaveLength(1);
    expect(planned.comments[0]).toContain('#### 1. 3 tenants: acme, globex, initech');
    expect(planned.summary).toBe(planned.comments[0]);
    expect(git(root, '--git-dir', origin, 'ls-tree', '--name-only', 'notes', 'plans/').trim()).toMatch(/^plans\/[0-9a-f]+\.yaml$/);

    // 2. Merged. Meanwhile a second pull request starts from main as it is now: before the apply.
    merge('notes');
    pushBranch('display-name', 'main', addToManifest('      display_name: text\n'), 'notes.display_name');

    // 3. The apply on main commits the snapshots as the workflow's identity and pushes them.
    const applied = runWorkflow('apply-on-merge.yml', { name: 'push', ref: 'main' });
    expect(applied.ok, explain(applied)).toBe(true);
    for (const t of tenants) expect(columns(t, 'notes')).toEqual(['id', 'body']);
    const pushed = git(root, '--git-dir', origin, 'log', '-1', '--format=%an|%s', 'main', '--', 'snapshots').trim();
    expect(pushed).toMatch(/^schema-sync\|schema-sync: apply [0-9a-f]+ \(3 tenants: acme, globex, initech\)$/);
    expect(git(root, '--git-dir', origin, 'ls-tree', '--name-only', 'main', 'snapshots/').trim().split('\n')).toEqual(tenants.map((t) => `snapshots/${t}.yaml`));

    // 4. The scheduled drift check on main: every tenant in sync.
    const checked = runWorkflow('drift-check.yml', { name: 'schedule', ref: 'main' });
    expect(checked.ok, explain(checked)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(checked.dir, 'drift.json'), 'utf8')).summary).toMatchObject({ inSync: 3, drifted: 0 });

    // 5. The second pull request, made before the snapshots reached main: nothing drifted, all planned.
    const next = runWorkflow('plan-on-pull-request.yml', { name: 'pull_request', headRef: 'display-name', baseRef: 'main', number: 2 });
    expect(next.ok, explain(next)).toBe(true);
    expect(next.comments[0]).toContain('#### 1. 3 tenants: acme, globex, initech');
    expect(next.comments[0]).toContain('ADD COLUMN "display_name"');
    expect(next.comments[0]).not.toMatch(/held|drift/i);
  });

  test('the snapshot push survives a push to main in between: rebased, then pushed', () => {
    merge('display-name');
    const applied = runWorkflow('apply-on-merge.yml', {
      name: 'push',
      ref: 'main',
      before: {
        // Another merge lands while the apply runs.
        'Push the snapshot commits': () => pushBranch('main', 'main', (dir) => writeFileSync(path.join(dir, 'CHANGELOG.md'), 'display names\n'), 'changelog'),
      },
    });
    expect(applied.ok, explain(applied)).toBe(true);
    for (const t of tenants) expect(columns(t, 'notes'), explain(applied)).toEqual(['id', 'body', 'display_name']);
    const log = git(root, '--git-dir', origin, 'log', '-2', '--format=%s', 'main').trim().split('\n');
    expect(log[0]).toMatch(/^schema-sync: apply [0-9a-f]+ \(3 tenants: acme, globex, initech\)$/);
    expect(log[1]).toBe('changelog');
    const checked = runWorkflow('drift-check.yml', { name: 'schedule', ref: 'main' });
    expect(checked.ok, explain(checked)).toBe(true);
  });

  test('every tenant held: no plan written, the comment says so, the job fails, plan --exit-code exits 1', () => {
    for (const t of tenants) {
      const db = new Database(path.join(databases, 'tenants', `${t}.db`));
      db.exec('CREATE INDEX accounts_email_idx ON accounts (email)');
      db.close();
    }
    pushBranch('notes-title', 'main', addToManifest('      title: text\n'), 'notes.title');
    const held = runWorkflow('plan-on-pull-request.yml', { name: 'pull_request', headRef: 'notes-title', baseRef: 'main', number: 3 });
    expect(held.ok).toBe(false);
    expect(held.steps.at(-1)).toMatchObject({ name: 'Fail when tenants were held', code: 1 });
    expect(held.comments).toHaveLength(1);
    expect(held.comments[0]).toContain('**No plan was written.** 3 tenants were held');
    expect(held.comments[0]).toContain('#### Held');
    expect(git(root, '--git-dir', origin, 'ls-tree', '--name-only', 'notes-title', 'plans/').trim().split('\n')).toHaveLength(2);
  });

  test('plan --exit-code exits 1 when it holds every tenant and writes nothing', async () => {
    const dir = path.join(root, `run-${runs}`, 'work');
    const result = await runCli(['plan', '--exit-code', '--format', 'markdown'], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('**No plan was written.**');
    expect(git(dir, 'status', '--porcelain', 'plans/').trim()).toBe('');
  });
});
