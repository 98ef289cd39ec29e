// Extensions a tenant depends on (issue 12, item 2): an extension exists once per database, in a
// shared schema, and schema-sync never creates one. A tenant whose server lacks a type the
// desired schema uses is failed by plan and check with a message that says so, before any SQL
// runs, while the tenants of a server that has it are planned as usual.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTestDatabase, withClient } from './helpers/postgres.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let withCitext: Awaited<ReturnType<typeof createTestDatabase>>;
let without: Awaited<ReturnType<typeof createTestDatabase>>;
let project: TempProject;

beforeAll(async () => {
  withCitext = await createTestDatabase('ext_has');
  without = await createTestDatabase('ext_lacks');
  await withClient(withCitext.url, (c) => c.query('CREATE EXTENSION citext SCHEMA public; CREATE SCHEMA t_has'));
  await withClient(without.url, (c) => c.query('CREATE SCHEMA t_lacks'));
  project = await createTempProject({
    engine: 'postgres',
    targets: [
      { name: 'has', url: withCitext.url, tenants: { list: ['t_has'] } },
      { name: 'lacks', url: without.url, tenants: { list: ['t_lacks'] } },
    ],
    apply: { retries: 0 },
  });
  await project.writeManifest({ externalTypes: ['public.citext'], tables: { users: { columns: { id: { type: 'int', primaryKey: true }, email: 'public.citext' } } } });
}, 60_000);

afterAll(async () => {
  await project?.remove();
  await withCitext?.drop();
  await without?.drop();
});

describe('a type from an extension the server lacks', () => {
  test('plan fails that tenant alone, naming the type, and plans the other', async () => {
    await project.withEngine(async (engine) => {
      const plan = await engine.plan();
      expect(plan.groups.flatMap((g) => g.tenants.map((t) => t.name))).toEqual(['t_has']);
      expect(plan.failed).toEqual([
        {
          tenant: 't_lacks',
          error: "the desired schema uses public.citext, which this tenant's server does not have: install the extension that provides it in the schema the manifest names (schema-sync never creates one)",
        },
      ]);
    });
  });

  test('check reports it for that tenant and exits non-zero', async () => {
    const check = await runCli(['check', '--config', project.configFile], { cwd: project.dir });
    expect(check.code).not.toBe(0);
    expect(check.stdout + check.stderr).toMatch(/t_lacks.*public\.citext, which this tenant's server does not have/s);
  });
});
