import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTestDatabase } from './helpers/postgres.js';

let dir: string;
let db: Awaited<ReturnType<typeof createTestDatabase>>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'schema-sync-demo-'));
  db = await createTestDatabase('demo');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

describe('the demo the README starts with', { timeout: 120_000 }, () => {
  test('runs with no server: finds the differences, applies the plan, and check passes; twice in a row', async () => {
    for (let run = 0; run < 2; run++) {
      const result = await runCli(['demo', '--dir', 'demo'], { cwd: dir, env: { SCHEMA_SYNC_PG_URL: 'postgres://nobody@127.0.0.1:1/none' } });
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('$ schema-sync check');
      expect(result.stdout).toContain('(exit 1)');
      expect(result.stdout).toContain('3 applied');
      expect(result.stdout).toMatch(/3 tenants: 3 in sync, 0 pending, 0 drifted\ncompared: tables .*\n\(exit 0\)/);
    }
    expect(existsSync(path.join(dir, 'demo', 'data', 'tenants', 'demo_initech.db'))).toBe(true);
  });

  test('--json gives one document with every step, its exit code and its JSON output', async () => {
    const result = await runCli(['demo', '--dir', 'jsondemo', '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.ok).toBe(true);
    expect(out.steps.map((s: { exitCode: number }) => s.exitCode)).toEqual([0, 1, 0, 0, 0]);
    expect(out.steps[4].output.ok).toBe(true);
  });

  test('runs on PostgreSQL with --engine postgres', async () => {
    const result = await runCli(['demo', '--engine', 'postgres', '--dir', 'pgdemo', '--database-url', db.url], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 applied');
  });
});
