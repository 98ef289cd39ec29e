// npm run bench -- --engine sqlite --tenants 1000
//
// The SQLite side of the fleet bench: a fleet of tenant files (one database per tenant, found by
// the glob data/tenants/*.db) in a temporary project. Audit and plan are measured against a bare
// read of the same schema rows from every file (bare.ts); apply of one added column and index
// against the same SQL straight through better-sqlite3, file by file (straight.ts).
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BenchEngine, BenchFleet } from '../../bench-engine.js';
import { timed } from '../../measure.js';
import { createBenchProject } from '../../project.js';
import { bareRead } from './bare.js';
import { sqliteAuditBreakdown } from './breakdown.js';
import { sqliteBenchManifest, sqliteManifestWithAddedColumn } from './manifest.js';
import { createSqliteTenants } from './setup.js';
import { applyStraightSqlite, dropAddedColumnSqlite } from './straight.js';

const tenantDir = path.join('data', 'tenants');

export const sqliteBench: BenchEngine = {
  names: { bare: 'bare schema read', straight: 'straight SQL, file by file' },
  aims: { audit: 2, apply: 1.5 },
  timesCompile: false,
  async prepare(args, progress, cleanup): Promise<BenchFleet> {
    const project = await createBenchProject({
      prefix: 'schema-sync-bench-sqlite-',
      config: { engine: 'sqlite', tenants: { pattern: `${tenantDir}/*.db` }, apply: { concurrency: 4 } },
      manifest: sqliteBenchManifest,
      folders: [tenantDir],
    });
    cleanup.add('remove project', async () => {
      if (args.keep) progress.log(`kept project ${project.dir}`);
      else await project.remove();
    });
    progress.log(`project ${project.dir}`);
    const fileOf = (tenant: string) => path.join(project.dir, tenantDir, `${tenant}.db`);
    const files = (tenants: readonly string[]) => tenants.map(fileOf);
    return {
      project,
      manifest: sqliteBenchManifest,
      manifestWithAddedColumn: sqliteManifestWithAddedColumn(),
      async build(engine, tenants, progress) {
        const setup = await timed(() => createSqliteTenants(engine, fileOf, tenants, progress));
        progress.log(`created ${tenants.length} tenant files in ${setup.seconds.toFixed(1)}s`);
      },
      async bareRead(tenants) {
        const counts = bareRead(files(tenants));
        return (
          `schema rows: ${counts.objects} sqlite_schema rows, ${counts.tables} tables, ${counts.columns} columns, ` +
          `${counts.indexColumns} index_xinfo rows, ${counts.foreignKeyColumns} foreign key columns in ${counts.files} files`
        );
      },
      applyStraight: async (tenants) => applyStraightSqlite(files(tenants)),
      undoStraight: async (tenants) => dropAddedColumnSqlite(files(tenants)),
      breakdown: (engine, tenants, progress) => sqliteAuditBreakdown(engine, files(tenants), progress),
      server: async () => `SQLite ${sqliteVersion()} (better-sqlite3), one file per tenant`,
    };
  },
};

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return db.prepare('SELECT sqlite_version()').pluck().get() as string;
  } finally {
    db.close();
  }
}
