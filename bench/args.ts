import { parseArgs } from 'node:util';
import { benchEngines, type BenchEngineName } from './engines/index.js';

export interface BenchArgs {
  readonly tenants: number;
  readonly engine: BenchEngineName;
  readonly keep: boolean;
  readonly repeat: number;
  readonly json: boolean;
  /** Also time the phases inside audit (discovery, each catalog query, diff) to see where time goes. */
  readonly breakdown: boolean;
  /** fleet: audit, plan and apply over many tenants; online-validate: readers during a NOT NULL and a CHECK on a big table. */
  readonly scenario: 'fleet' | 'online-validate';
  /** Rows of the online-validate table. */
  readonly rows: number;
  /** A database to build the fleet in once and reuse in later runs; never dropped. */
  readonly database?: string;
  /** Only build the fleet in --database, measure nothing (for bench/compare-fleets.ts). */
  readonly buildOnly: boolean;
}

export const usage = `usage: npm run bench -- [--scenario fleet|online-validate] [--tenants N] [--rows N] [--engine postgres|sqlite] [--repeat R] [--keep] [--database NAME [--build-only]] [--json] [--breakdown]

  --scenario S    fleet (default): audit, plan and apply over a fleet of tenants;
                  online-validate: a NOT NULL and a CHECK added to one big table while a reader
                  with lock_timeout 200ms loops, the old single-transaction form side by side
                  with schema-sync's apply (PostgreSQL only)
  --rows N        rows of the online-validate table (default 5000000)

  --tenants N     tenant schemas (sqlite: tenant files) to build (default 100)
  --engine E      engine to measure: postgres (default) or sqlite
  --repeat R      run every measurement R times and report the median (default 1)
  --keep          keep the bench database and project directory afterwards
  --database NAME work in this database instead of a new one, and keep it: the first run builds
                  the fleet in it (creating the database if needed), later runs with the same
                  --tenants reuse it, so a fleet of 10,000 tenants is built once (postgres only)
  --build-only    with --database: build the fleet if it is not there yet, and measure nothing
                  (fleets for bench/compare-fleets.ts)
  --json          print the results as JSON on stdout (progress still goes to stderr)
  --breakdown     also time the phases inside audit: discovery, each catalog query, diff

Connects to SCHEMA_SYNC_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) and works in
a database ss_bench_<random> of its own, dropped at the end unless --keep. The project directory
(config, manifest, snapshots; for --engine sqlite also one file per tenant, no server needed) is
made under BENCH_DIR, default the system temp directory, and removed at the end unless --keep.`;

/** A usage problem: printed without a stack, exit code 2 as for the CLI. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

const supportedEngines = Object.keys(benchEngines) as BenchEngineName[];

export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        tenants: { type: 'string' },
        engine: { type: 'string' },
        keep: { type: 'boolean' },
        repeat: { type: 'string' },
        json: { type: 'boolean' },
        breakdown: { type: 'boolean' },
        scenario: { type: 'string' },
        rows: { type: 'string' },
        database: { type: 'string' },
        'build-only': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${usage}`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const engine = v.engine ?? 'postgres';
  if (!(supportedEngines as readonly string[]).includes(engine)) {
    throw new BenchUsageError(`--engine ${engine}: the bench supports only ${supportedEngines.join(', ')}`);
  }
  const scenario = v.scenario ?? 'fleet';
  if (scenario !== 'fleet' && scenario !== 'online-validate') {
    throw new BenchUsageError(`--scenario ${scenario}: expected fleet or online-validate`);
  }
  if (scenario === 'online-validate' && engine !== 'postgres') {
    throw new BenchUsageError('--scenario online-validate measures PostgreSQL only');
  }
  if (v.database !== undefined && (engine !== 'postgres' || scenario !== 'fleet')) {
    throw new BenchUsageError('--database: only the postgres fleet scenario builds its fleet in a database');
  }
  if (v['build-only'] && v.database === undefined) {
    throw new BenchUsageError('--build-only: give the --database to build the fleet in');
  }
  if (v.database !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(v.database)) {
    throw new BenchUsageError(`--database ${v.database}: expected a lower-case name of letters, digits and underscores`);
  }
  return {
    scenario,
    rows: positiveInteger('--rows', v.rows, 5_000_000),
    tenants: positiveInteger('--tenants', v.tenants, 100),
    engine: engine as BenchEngineName,
    keep: v.keep ?? false,
    repeat: positiveInteger('--repeat', v.repeat, 1),
    json: v.json ?? false,
    breakdown: v.breakdown ?? false,
    ...(v.database !== undefined && { database: v.database }),
    buildOnly: v['build-only'] ?? false,
  };
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new BenchUsageError(`${flag} ${value}: expected a whole number of at least 1`);
  }
  return Number(value);
}
