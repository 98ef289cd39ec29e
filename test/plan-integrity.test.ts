import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { PlanFile, PlanFileStep, PlanGroup } from '../src/plan/plan-file.js';
import { writePlanYaml } from '../src/plan/plan-yaml.js';
import { runCli } from './helpers/cli.js';
import { withDigests } from './helpers/plan-digests.js';
import { createTestDatabase, qi, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// Reviewed = applied (DESIGN.md invariant 5): apply runs only what the planner renders for a
// plan's recorded changes, reads hazards and consent from that rendering, and refuses a plan
// edited by hand whole, before any tenant is touched. Each case is an edit an attacker or a
// careless hand made to a real plan; the database must show that nothing ran.

const tenants = ['pi_a', 'pi_b'];
const base = {
  tables: {
    accounts: { columns: { id: { type: 'bigserial', primaryKey: true }, name: 'text' } },
    legacy: { columns: { id: { type: 'bigint', primaryKey: true } } },
  },
};
const next = {
  tables: {
    accounts: { columns: { id: { type: 'bigserial', primaryKey: true }, name: 'text', note: 'text' } },
  },
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  db = await createTestDatabase('integrity');
  project = await createTempProject({ engine: 'postgres', url: db.url, tenants: { pattern: 'pi_*' }, apply: { retries: 0 } });
  await mkdir(path.join(project.dir, 'plans'));
  await withClient(db.url, async (c) => {
    await c.query('CREATE SCHEMA victim; CREATE TABLE victim.secrets (id int); INSERT INTO victim.secrets VALUES (1)');
    for (const t of tenants) await c.query(`CREATE SCHEMA ${qi(t)}`);
  });
  await project.writeManifest(base);
  await project.withEngine(async (e) => {
    const results = await e.apply(await e.plan());
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
  });
  await project.writeManifest(next);
});

afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

/** What the database holds that the edits below would change. */
async function state(): Promise<{ secrets: number; legacy: number; notes: number; noteTypes: string[] }> {
  return withClient(db.url, async (c) => {
    const secrets = (await c.query(`SELECT count(*)::int AS n FROM victim.secrets`)).rows[0].n as number;
    const legacy = (await c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'legacy'`)).rows[0].n as number;
    const notes = await c.query<{ data_type: string }>(`SELECT data_type FROM information_schema.columns WHERE column_name = 'note' ORDER BY table_schema`);
    return { secrets, legacy, notes: notes.rowCount ?? 0, noteTypes: notes.rows.map((r) => r.data_type) };
  });
}

const untouched = { secrets: 1, legacy: 2, notes: 0, noteTypes: [] };

function editStep(plan: PlanFile, edit: (step: PlanFileStep, group: PlanGroup) => PlanFileStep): PlanFile {
  return { ...plan, groups: plan.groups.map((g) => ({ ...g, steps: g.steps.map((s) => edit(s, g)) })) };
}

async function planNow(): Promise<PlanFile> {
  return project.withEngine((e) => e.plan());
}

describe('a plan file cannot do what its review did not show', () => {
  test('the plan as written applies, and its digests hold after a round trip through YAML', async () => {
    const plan = await planNow();
    expect(plan.groups.map((g) => g.changes.map((c) => c.kind))).toEqual([['addColumn', 'dropTable']]);
    // Without consent the destructive step is refused per tenant, and nothing runs.
    const file = path.join(project.dir, 'plans', 'as-written.yaml');
    await writeFile(file, writePlanYaml(plan));
    const refused = await runCli(['apply', file, '--config', project.configFile], { cwd: project.dir });
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stdout + refused.stderr).toMatch(/destructive change needs consent/);
    expect(await state()).toEqual(untouched);
  });

  test('a DROP TABLE added to the SQL, digests recomputed, is refused whole before any tenant is touched', async () => {
    const plan = await planNow();
    const edited = withDigests(
      editStep(plan, (s, g) => (s.summary.startsWith('add column') ? { ...s, sql: [...s.sql, `DROP TABLE ${g.placeholder}."accounts"`] } : s)),
    );
    await expect(project.withEngine((e) => e.apply(edited, { allowDestructive: true }))).rejects.toThrow(
      /refused whole, no tenant touched[\s\S]*step 1 \(add column accounts\.note \(text\)\) differs from what plan renders for it: statement 2 is "DROP TABLE/,
    );
    expect(await state()).toEqual(untouched);
  });

  test("a statement for tenant B inside tenant A's plan, or outside every tenant, is refused", async () => {
    const plan = await planNow();
    for (const sql of ['DROP TABLE "pi_b"."legacy"', 'DELETE FROM victim.secrets']) {
      const edited = withDigests(editStep(plan, (s) => (s.summary.startsWith('add column') ? { ...s, sql: [...s.sql, sql] } : s)));
      await expect(project.withEngine((e) => e.apply(edited, { allowDestructive: true }))).rejects.toThrow(/refused whole/);
    }
    expect(await state()).toEqual(untouched);
  });

  test('a column type edited in the change and its SQL alike runs only if the whole file is consistent; hand edits are refused at the file', async () => {
    const plan = await planNow();
    const file = path.join(project.dir, 'plans', 'typed.yaml');
    const text = writePlanYaml(plan);
    await writeFile(file, text.replaceAll('"note" text', '"note" varchar(20)'));
    const result = await runCli(['apply', file, '--config', project.configFile, '--allow-destructive'], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/typed\.yaml: the plan was edited after schema-sync wrote it/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await state()).toEqual(untouched);
  });

  test("a tenant's name changed in the file is refused at the file", async () => {
    const plan = await planNow();
    const file = path.join(project.dir, 'plans', 'renamed.yaml');
    await writeFile(file, writePlanYaml(plan).replace('name: pi_a', 'name: pi_z'));
    const result = await runCli(['apply', file, '--config', project.configFile, '--allow-destructive'], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/renamed\.yaml: the plan was edited/);
    expect(await state()).toEqual(untouched);
  });

  test('hazards removed from a destructive step: consent still comes from what the change does', async () => {
    const plan = await planNow();
    const stripped = withDigests({
      ...editStep(plan, (s) => {
        const { consent: _consent, ...rest } = s;
        return { ...rest, hazards: [] };
      }),
      groups: plan.groups.map((g) => ({ ...g, hazards: [], steps: g.steps.map(({ consent: _c, ...s }) => ({ ...s, hazards: [] })) })),
    });
    await expect(project.withEngine((e) => e.apply(stripped))).rejects.toThrow(/refused whole[\s\S]*hazards are not the ones plan derives/);
    expect(await state()).toEqual(untouched);
  });

  test('a second statement hidden in a change, rendered consistently and digests recomputed, never reaches the server', async () => {
    const plan = await planNow();
    const group = plan.groups[0]!;
    const hostile = '0; DROP TABLE victim.secrets';
    const changes = group.changes.map((c) => (c.kind === 'addColumn' ? { ...c, column: { ...c.column, default: hostile } } : c));
    const edited = withDigests({
      ...plan,
      groups: [
        {
          ...group,
          changes,
          steps: group.steps.map((s) => (s.summary.startsWith('add column') ? { ...s, sql: s.sql.map((q) => `${q} DEFAULT ${hostile}`) } : s)),
        },
      ],
    });
    await expect(project.withEngine((e) => e.apply(edited, { allowDestructive: true }))).rejects.toThrow(
      /refused whole[\s\S]*(holds 3 statements where 2 were planned|differs from what plan renders)/,
    );
    expect(await state()).toEqual(untouched);
  });

  test('consent set by hand on the destructive step is the one edit allowed: the plan applies', async () => {
    const plan = await planNow();
    const file = path.join(project.dir, 'plans', 'consented.yaml');
    await writeFile(file, writePlanYaml(plan).replace('consent: false', 'consent: true'));
    expect(await readFile(file, 'utf8')).toMatch(/consent: true/);
    const result = await runCli(['apply', file, '--config', project.configFile], { cwd: project.dir });
    expect(result.code, result.stderr).toBe(0);
    const after = await state();
    expect(after).toEqual({ secrets: 1, legacy: 0, notes: 2, noteTypes: ['text', 'text'] });
  });
});
