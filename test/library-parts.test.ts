import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultExecutor, SchemaSyncEngine, type Executor } from '../src/index.js';
import { engineHarnesses } from './helpers/engine-harness.js';
import { createTempProject, type TempProject } from './helpers/project.js';

// DESIGN.md's Executor is what the library's apply runs: a library user may pass their own.
const sqlite = engineHarnesses().find((h) => h.engine === 'sqlite')!;
let project: TempProject;

beforeAll(async () => {
  await sqlite.setup('parts');
  await sqlite.createTenant('acme');
  project = await createTempProject(sqlite.config(['acme']));
  await project.writeManifest({ tables: { widgets: { columns: { id: { type: 'integer', primaryKey: true }, name: 'text' } } } });
});

afterAll(async () => {
  await project?.remove();
  await sqlite.teardown();
});

describe('the pieces the library is built from', () => {
  test('a user-supplied executor runs the apply, and what it returns is the result', async () => {
    const calls: { plan: string; tenants: string[] }[] = [];
    const executor: Executor = {
      async apply(plan, adapter, tenants, options) {
        calls.push({ plan: plan.id, tenants: [...tenants.keys()] });
        return defaultExecutor.apply(plan, adapter, tenants, options);
      },
    };
    const engine = await SchemaSyncEngine.open({ file: project.configFile }, { executor });
    try {
      const plan = await engine.plan();
      const results = await engine.apply(plan);
      expect(calls).toEqual([{ plan: plan.id, tenants: ['acme'] }]);
      expect(results.map((r) => [r.tenant, r.status])).toEqual([['acme', 'applied']]);
      expect((await engine.syncTenant('acme')).alreadyInSync).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
