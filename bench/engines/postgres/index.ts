// npm run bench -- --tenants 1000
//
// The PostgreSQL side of the fleet bench: a fleet of tenant schemas in a database of its own (or a
// kept one, --database, built once and reused). Audit and plan are measured against the bare
// catalog read of the same information (catalog.ts); apply of one added column and index against
// the same SQL straight through one connection (straight.ts).
import type pg from 'pg';
import type { BenchEngine, BenchFleet } from '../../bench-engine.js';
import { timed } from '../../measure.js';
import { createBenchProject, type BenchProject } from '../../project.js';
import { auditBreakdown } from './breakdown.js';
import { readCatalog } from './catalog.js';
import { connect, createBenchDatabase, openKeptDatabase, redact, serverUrl } from './database.js';
import { benchManifest, benchManifestWithAddedColumn } from './manifest.js';
import { createTenants } from './setup.js';
import { applyStraight, dropAddedColumn } from './straight.js';

/** Same pattern the tenants are named by (see tenantNames). */
export const tenantPattern = 'tenant_*';

/** A project for the fleet in the database at `url`: schema-sync.yaml and schema/manifest.yaml. */
export function createPostgresProject(url: string, manifest: unknown): Promise<BenchProject> {
  return createBenchProject({
    prefix: 'schema-sync-bench-',
    config: { engine: 'postgres', url, tenants: { pattern: tenantPattern }, apply: { concurrency: 8 } },
    manifest,
  });
}

export const postgresBench: BenchEngine = {
  names: { bare: 'bare catalog read', straight: 'straight SQL, 1 connection' },
  aims: { audit: 1, plan: 1, apply: 1.3 },
  timesCompile: true,
  async prepare(args, progress, cleanup): Promise<BenchFleet> {
    const db = args.database === undefined ? await createBenchDatabase() : await openKeptDatabase(args.database);
    cleanup.add('drop database', async () => {
      if (args.keep || args.database !== undefined) progress.log(`kept database ${db.name}: ${redact(db.url)}`);
      else await db.drop();
    });
    progress.log(`database ${db.name} on ${redact(serverUrl)}`);

    const project = await createPostgresProject(db.url, benchManifest);
    cleanup.add('remove project', async () => {
      if (args.keep) progress.log(`kept project ${project.dir}`);
      else await project.remove();
    });

    // The bare read and the straight SQL each keep one connection for the whole run.
    const connection = (label: string) => {
      let client: Promise<pg.Client> | undefined;
      return () => {
        if (client === undefined) {
          client = connect(db.url);
          const opened = client;
          cleanup.add(`close ${label} connection`, async () => (await opened).end());
        }
        return client;
      };
    };
    const catalog = connection('catalog');
    const straight = connection('straight');
    return {
      project,
      manifest: benchManifest,
      manifestWithAddedColumn: benchManifestWithAddedColumn(),
      ...(args.database !== undefined && {
        mismatchHint: ` (database ${db.name} holds another fleet: give its --tenants, or another --database)`,
      }),
      async build(engine, tenants, progress) {
        const existing = (await engine.listTenants()).length;
        if (existing === 0) {
          const setup = await timed(() => createTenants(engine, db.url, tenants, progress));
          progress.log(`created ${tenants.length} tenants in ${setup.seconds.toFixed(1)}s`);
        } else if (args.database !== undefined) {
          progress.log(`reusing the ${existing} tenants of database ${db.name}`);
        }
      },
      async bareRead(tenants) {
        const counts = await readCatalog(await catalog(), tenants);
        return `catalog rows: ${Object.entries(counts).map(([kind, n]) => `${n} ${kind}`).join(', ')}`;
      },
      applyStraight: async (tenants) => applyStraight(await straight(), tenants),
      undoStraight: (tenants) => dropAddedColumn(db.url, tenants),
      breakdown: async (engine, tenants, progress) => auditBreakdown(engine, await catalog(), tenants, progress),
      async server() {
        const { rows } = await (await catalog()).query<{ v: string }>("SELECT 'PostgreSQL ' || current_setting('server_version') AS v");
        return rows[0]?.v ?? '';
      },
    };
  },
};
