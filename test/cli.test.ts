import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let dir: string;
const tenants = ['tenant_a', 'tenant_b', 'tenant_c'];

const cli = (...args: string[]) => runCli(args, { cwd: dir });
const manifestPath = () => path.join(dir, 'schema', 'manifest.yaml');
const editManifest = (edit: (m: any) => void) => {
  const manifest = parse(readFileSync(manifestPath(), 'utf8'));
  edit(manifest);
  writeFileSync(manifestPath(), stringify(manifest));
};
const planFiles = () => (existsSync(path.join(dir, 'plans')) ? readdirSync(path.join(dir, 'plans')).filter((f) => f.endsWith('.yaml')) : []);
const latestPlan = async (...extra: string[]) => {
  const before = new Set(planFiles());
  const result = await cli('plan', '--json', ...extra);
  const file = JSON.parse(result.stdout).file as string | null;
  return { result, file, fresh: planFiles().filter((f) => !before.has(f)) };
};

beforeAll(async () => {
  db = await createTestDatabase('cli');
  dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-cli-'));
  await withClient(db.url, async (c) => {
    for (const t of tenants) {
      await c.query(`CREATE SCHEMA ${qi(t)}`);
      await c.query(`CREATE TABLE ${qi(t)}.users (id bigserial PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, created_at timestamptz NOT NULL DEFAULT now())`);
      await c.query(`CREATE TABLE ${qi(t)}.notes (id int PRIMARY KEY, user_id bigint REFERENCES ${qi(t)}.users(id) ON DELETE CASCADE, body text, legacy text)`);
      await c.query(`CREATE VIEW ${qi(t)}.recent_users AS SELECT * FROM ${qi(t)}.users`);
      await c.query(`INSERT INTO ${qi(t)}.users (email) VALUES ('a@x'), ('b@x')`);
      await c.query(`INSERT INTO ${qi(t)}.notes (id, user_id, body, legacy) VALUES (1, 1, 'hello', 'keep me')`);
    }
    await c.query(`CREATE SCHEMA "tenant_evil""; DROP SCHEMA tenant_a CASCADE; --"`);
    await c.query(`CREATE SCHEMA other_app`);
  });
});

afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Each test runs the CLI a dozen times as separate processes: give them room on a loaded machine.
describe('the CLI, as a user runs it', { timeout: 240_000 }, () => {
  test('init scaffolds a project and refuses to overwrite it', async () => {
    const init = await cli('init', '--url', db.url, '--pattern', 'tenant_*');
    expect(init.code).toBe(0);
    for (const f of ['schema-sync.yaml', 'schema/manifest.yaml', 'overrides/README.txt', 'plans/.gitkeep']) {
      expect(existsSync(path.join(dir, f))).toBe(true);
    }
    const again = await cli('init');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exist');
    // Labels for --label tests.
    const config = parse(readFileSync(path.join(dir, 'schema-sync.yaml'), 'utf8'));
    config.tenants.labels = { canary: ['tenant_a'] };
    writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify(config));
  });

  test('tenants lists matching schemas and refuses a name it cannot quote safely', async () => {
    const result = await cli('tenants', '--json');
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.tenants).toEqual([
      { name: 'tenant_a', labels: ['canary'] },
      { name: 'tenant_b', labels: [] },
      { name: 'tenant_c', labels: [] },
    ]);
    expect(out.rejected.map((r: { name: string }) => r.name)).toEqual(['tenant_evil"; DROP SCHEMA tenant_a CASCADE; --']);
    const text = await cli('tenants');
    expect(text.stderr).toContain('refused tenant name');
    // A refused tenant was never checked: the CI gate must not pass over it.
    const gate = await cli('check', '--json');
    expect(gate.code).toBe(2);
    expect(JSON.parse(gate.stdout).refused).toHaveLength(1);
    await withClient(db.url, (c) => c.query(`DROP SCHEMA "tenant_evil""; DROP SCHEMA tenant_a CASCADE; --"`));
  });

  test('inspect adopts a live schema; planning against it is empty', async () => {
    // init wrote a starter manifest: replacing it takes --force.
    const kept = await cli('inspect', '--tenant', 'tenant_a', '-o', 'schema/manifest.yaml');
    expect(kept.code).toBe(2);
    expect(kept.stderr).toContain('already exists: pass --force');
    const result = await cli('inspect', '--tenant', 'tenant_a', '-o', 'schema/manifest.yaml', '--force');
    expect(result.code, result.stderr).toBe(0);
    // Read-only without --adopt: no snapshot became the tenant's drift base.
    expect(existsSync(path.join(dir, 'snapshots', 'tenant_a.yaml'))).toBe(false);
    const text = readFileSync(manifestPath(), 'utf8');
    expect(text).toContain('users:');
    expect(text).toMatch(/#\s+view: recent_users/);
    const plan = await latestPlan('--exit-code');
    expect(plan.result.code).toBe(0);
    expect(plan.file).toBeNull();
    expect((await cli('check')).code).toBe(0);
  });

  test('inspect without --tenant lists fingerprints; audit --json reports unmanaged objects', async () => {
    const list = await cli('inspect', '--json');
    const rows = JSON.parse(list.stdout) as { tenant: string; fingerprint: string }[];
    expect(rows.map((r) => r.tenant)).toEqual(tenants);
    expect(new Set(rows.map((r) => r.fingerprint)).size).toBe(1);
    const audit = await cli('audit', '--json');
    expect(audit.code).toBe(0);
    const report = JSON.parse(audit.stdout);
    expect(report.summary).toEqual({ total: 3, inSync: 3, pending: 0, drifted: 0, conflicts: 0, errors: 0 });
    expect(report.tenants[0].unmanaged).toContainEqual({ kind: 'view', name: 'recent_users' });
  });

  test('a manifest change: check fails, plan writes a grouped plan, apply fixes every tenant', async () => {
    editManifest((m) => {
      m.tables.users.columns.display_name = { type: 'text' };
      m.tables.users.indexes = { ...(m.tables.users.indexes ?? {}), users_display_name_idx: { columns: ['display_name'] } };
    });
    const check = await cli('check', '--json');
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).differing.map((d: { tenant: string }) => d.tenant)).toEqual(tenants);

    const audit = await cli('audit', '--json');
    expect(audit.code).toBe(1);
    expect(JSON.parse(audit.stdout).tenants[0].differences).toEqual([
      'add column users.display_name (text)',
      'add index users.users_display_name_idx',
    ]);

    const planned = await latestPlan('--exit-code');
    expect(planned.result.code).toBe(1);
    expect(planned.fresh).toHaveLength(1);
    const plan = parse(readFileSync(path.join(dir, 'plans', planned.fresh[0]!), 'utf8'));
    expect(plan.groups).toHaveLength(1);
    expect(plan.groups[0].tenants.map((t: { name: string }) => t.name)).toEqual(tenants);
    expect(plan.groups[0].hazards).toEqual(['INDEX_BUILD']);

    const text = await cli('plan');
    expect(text.stdout).toContain('3 to change');
    expect(text.stdout).toContain('add column users.display_name (text)');

    const apply = await cli('apply', planned.file!);
    expect(apply.code).toBe(0);
    expect(apply.stdout).toContain('3 applied');
    expect((await cli('check')).code).toBe(0);

    const again = await cli('apply', planned.file!, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).results.map((r: { status: string }) => r.status)).toEqual(['in-sync', 'in-sync', 'in-sync']);
  });

  test('a tenant changed after planning is refused as stale, the others apply', async () => {
    editManifest((m) => {
      m.tables.notes.columns.pinned = { type: 'boolean', nullable: false, default: false };
    });
    const planned = await latestPlan();
    await withClient(db.url, (c) => c.query(`ALTER TABLE tenant_b.notes ADD COLUMN sneaky int`));
    const apply = await cli('apply', planned.file!, '--json');
    expect(apply.code).toBe(3);
    const results = JSON.parse(apply.stdout).results as { tenant: string; status: string; error?: string }[];
    expect(results.map((r) => [r.tenant, r.status])).toEqual([
      ['tenant_a', 'applied'],
      ['tenant_b', 'stale'],
      ['tenant_c', 'applied'],
    ]);
    const columns = await withClient(db.url, (c) =>
      c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'tenant_b' AND table_name = 'notes' AND column_name = 'pinned'`),
    );
    expect(columns.rowCount).toBe(0);
    await withClient(db.url, (c) => c.query(`ALTER TABLE tenant_b.notes DROP COLUMN sneaky`));
    const fix = await latestPlan('--tenant', 'tenant_b');
    expect((await cli('apply', fix.file!)).code).toBe(0);
    expect((await cli('check')).code).toBe(0);
  });

  test('a destructive change is refused without consent and keeps the data', async () => {
    editManifest((m) => {
      delete m.tables.notes.columns.legacy;
    });
    const planned = await latestPlan();
    const plan = parse(readFileSync(planned.file!.startsWith('/') ? planned.file! : path.join(dir, planned.file!), 'utf8'));
    expect(plan.groups[0].steps[0].consent).toBe(false);
    expect(plan.groups[0].hazards).toContain('DELETES_DATA');

    const refused = await cli('apply', planned.file!, '--json');
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).results.every((r: { status: string }) => r.status === 'refused')).toBe(true);
    const kept = await withClient(db.url, (c) => c.query(`SELECT legacy FROM tenant_a.notes`));
    expect(kept.rows).toEqual([{ legacy: 'keep me' }]);

    // Consent on the step itself, given in review, is enough for that tenant set.
    const file = path.isAbsolute(planned.file!) ? planned.file! : path.join(dir, planned.file!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('consent: false', 'consent: true'));
    const applied = await cli('apply', planned.file!, '--tenant', 'tenant_a');
    expect(applied.code).toBe(0);
    const withFlag = await cli('apply', planned.file!, '--allow-destructive');
    expect(withFlag.code).toBe(0);
    expect((await cli('check')).code).toBe(0);
  });

  test('--tenant and --label narrow check and plan', async () => {
    await withClient(db.url, (c) => c.query(`CREATE INDEX drift_idx ON tenant_c.notes (body)`));
    expect((await cli('check', '--label', 'canary')).code).toBe(0);
    expect((await cli('check', '--tenant', 'tenant_a', '--tenant', 'tenant_b')).code).toBe(0);
    const c = await cli('check', '--tenant', 'tenant_c', '--json');
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout).differing[0].differences).toEqual(['drop index notes.drift_idx']);
    const none = await cli('check', '--tenant', 'nobody');
    expect(none.code).toBe(2);
    const typo = await cli('apply', path.join('plans', planFiles()[0]!), '--tenant', 'nobody');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('no tenants matched');
    await withClient(db.url, (cl) => cl.query(`DROP INDEX tenant_c.drift_idx`));
  });

  test('overrides give one tenant a deliberately different schema', async () => {
    writeFileSync(
      path.join(dir, 'overrides', 'tenant-b.yaml'),
      stringify({ tenants: ['tenant_b'], tables: { users: { columns: { sso_subject: 'text' } } } }),
    );
    const check = await cli('check', '--json');
    expect(JSON.parse(check.stdout).differing).toEqual([{ tenant: 'tenant_b', status: 'pending', differences: ['add column users.sso_subject (text)'] }]);
    const planned = await latestPlan();
    expect((await cli('apply', planned.file!)).code).toBe(0);
    expect((await cli('check')).code).toBe(0);

    const typo = path.join(dir, 'overrides', 'typo.yaml');
    writeFileSync(typo, stringify({ tenants: ['tenant_bb'], tables: { users: { columns: { extra: 'text' } } } }));
    const warned = await cli('check');
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('override typo.yaml selects none of the tenants');
    expect((await cli('check', '--tenant', 'tenant_a')).stderr).not.toContain('typo.yaml');
    await rm(typo);
  });

  test('an invalid manifest names the file, line and column; exit 2, no stack trace', async () => {
    const good = readFileSync(manifestPath(), 'utf8');
    writeFileSync(manifestPath(), 'version: 1\ntables:\n  users:\n    columns:\n      id: { type: int, nulable: false }\n');
    const result = await cli('check');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/schema\/manifest\.yaml:5:\d+: .*nulable/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    writeFileSync(manifestPath(), 'version: 1\ntables:\n  users:\n    columns:\n      id: { type: nosuchtype }\n');
    const unknown = await cli('plan');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/schema\/manifest\.yaml:5:\d+: tables\.users\.columns\.id\.type: the server refused it while compiling the desired schema: type "nosuchtype" does not exist/);
    writeFileSync(manifestPath(), good);
  });

  test('a bad config or an unreachable server is a clear error that never prints the password', async () => {
    const result = await cli('check', '--database-url', 'postgres://postgres:hunter2@127.0.0.1:1/nowhere');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: /);
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    const missing = await cli('check', '--config', 'nope.yaml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
  });

  test('a tampered or malformed plan file is refused with its position', async () => {
    writeFileSync(path.join(dir, 'bad-plan.yaml'), 'version: 1\nid: nothex\n');
    const result = await cli('apply', 'bad-plan.yaml');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-plan\.yaml:2:\d+: id/);
  });
});

describe('config errors', () => {
  test('an invalid config names the file, line and column', async () => {
    const bad = await mkdtemp(path.join(tmpdir(), 'schema-sync-badconfig-'));
    try {
      writeFileSync(path.join(bad, 'schema-sync.yaml'), 'engine: postgres\nurl: postgres://x@127.0.0.1/y\ntenants: { pattern: "t_*" }\napply:\n  concurency: 4\n  lockTimeout: 5 seconds\n');
      const result = await runCli(['check'], { cwd: bad });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("schema-sync.yaml:5:3: apply: unknown property 'concurency' (did you mean 'concurrency'?)");
      expect(result.stderr).toContain('schema-sync.yaml:6:16: apply.lockTimeout: expected a duration such as 500ms, 5s, 5m or 1h');
      const none = await runCli(['tenants'], { cwd: tmpdir() });
      expect(none.code).toBe(2);
      expect(none.stderr).toContain("Run 'schema-sync init'");
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe('plan --format markdown', () => {
  test('gives a pull-request comment with groups, hazards, tenant counts and the plan id', async () => {
    editManifest((m) => {
      m.tables.users.columns.nickname = { type: 'text' };
    });
    const result = await cli('plan', '--format', 'markdown');
    expect(result.code).toBe(0);
    const id = /schema-sync plan `([0-9a-f]{16})`/.exec(result.stdout)?.[1];
    expect(id).toBeDefined();
    expect(result.stdout).toContain('**3** tenants: **3** to change');
    expect(result.stdout).toContain('| add column users.nickname (text) | main transaction | ACCESS EXCLUSIVE | — |');
    expect(result.stdout).toContain(`plans/${id}.yaml`);
    expect(result.stdout).toContain('ADD COLUMN "nickname" text;');
  });
});
