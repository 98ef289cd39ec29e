import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { SchemaSyncEngine } from '../../library/schema-sync.js';
import { UserError } from '../../errors.js';
import { redactUrl } from '../../util/redact-url.js';
import { colors } from '../../output/colors.js';
import { BaseCommand } from '../base-command.js';

const tenants = ['demo_acme', 'demo_globex', 'demo_initech'];
const drifted = 'demo_initech';

/** Engine-neutral on purpose: the same manifest runs on SQLite and PostgreSQL. */
const manifestV1 = {
  version: 1,
  tables: {
    customers: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        email: { type: 'text', nullable: false, unique: true },
        name: 'text',
      },
    },
    orders: {
      columns: {
        id: { type: 'bigserial', primaryKey: true },
        customer_id: { type: 'bigint', nullable: false, references: 'customers.id', onDelete: 'cascade' },
        status: { type: 'text', nullable: false, default: "'new'" },
        total: { type: 'numeric(10,2)', nullable: false, default: 0 },
        created_at: { type: 'timestamptz', nullable: false, default: 'now()' },
      },
      indexes: { orders_customer_idx: { columns: ['customer_id'] } },
      checks: { orders_total_check: 'total >= 0', orders_status_check: "status IN ('new', 'paid', 'shipped')" },
    },
  },
};

/** The change the demo "merges": a new column and an index. */
const manifestV2 = {
  ...manifestV1,
  tables: {
    ...manifestV1.tables,
    customers: {
      columns: { ...manifestV1.tables.customers.columns, phone: 'text' },
    },
    orders: {
      ...manifestV1.tables.orders,
      indexes: { ...manifestV1.tables.orders.indexes, orders_created_idx: { columns: ['created_at DESC'] } },
    },
  },
};

/** What "someone changed by hand" on one tenant: the customer index is gone. */
const manifestDrift = {
  ...manifestV1,
  tables: { ...manifestV1.tables, orders: { ...manifestV1.tables.orders, indexes: {} } },
};

export default class Demo extends BaseCommand {
  static override summary = 'Run the whole loop on three demo tenants: tenants, check, plan, apply, check.';
  static override description =
    'Creates three demo tenants, one of them different from the others, writes a project into --dir, changes the manifest, and runs the real commands against it. With the default --engine sqlite the tenants are SQLite files in --dir and no server is needed; with --engine postgres they are schemas named demo_* in the database of SCHEMA_SYNC_PG_URL (or --database-url; default postgres://postgres@127.0.0.1:5432/postgres). Demo tenants from an earlier run are dropped first.';
  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --engine postgres --dir /tmp/demo'];
  static override flags = {
    dir: Flags.string({ description: 'directory for the demo project', default: 'schema-sync-demo' }),
    engine: Flags.string({ description: 'where the demo tenants live', options: ['sqlite', 'postgres'], default: 'sqlite' }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Demo);
    const sqlite = flags.engine === 'sqlite';
    const url = flags['database-url'] ?? process.env['SCHEMA_SYNC_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const dir = path.resolve(flags.dir);
    const configFile = path.join(dir, 'schema-sync.yaml');

    const shown = displayPath(dir);
    const say = (text: string) => {
      if (!flags.json) this.log(text);
    };
    say(colors.bold(`schema-sync demo (${flags.engine}) in ${shown}`));
    await rm(path.join(dir, 'plans'), { recursive: true, force: true });
    // Snapshots of an earlier run would be the base of this one's three-way check.
    await rm(path.join(dir, 'snapshots'), { recursive: true, force: true });
    await mkdir(path.join(dir, 'schema'), { recursive: true });
    await mkdir(path.join(dir, 'plans'), { recursive: true });
    if (sqlite) await mkdir(path.join(dir, 'data', 'tenants'), { recursive: true });
    await writeFile(
      configFile,
      stringify({
        engine: flags.engine,
        ...(sqlite ? {} : { url }),
        tenants: { pattern: sqlite ? 'data/tenants/demo_*.db' : 'demo_*', labels: { canary: ['demo_acme'] } },
        manifest: 'schema/manifest.yaml',
        plans: 'plans/',
        // The demo's folder may sit inside the user's own repository: never commit to it.
        snapshotStore: 'filesystem',
        apply: { concurrency: 4, lockTimeout: '5s', statementTimeout: '1m', retries: 2 },
      }),
    );
    const writeManifest = (body: unknown) => writeFile(path.join(dir, 'schema', 'manifest.yaml'), stringify(body));

    say(`Setting up ${tenants.join(', ')} at version 1, then changing ${drifted} by hand ...`);
    try {
      await writeManifest(manifestV1);
      await this.prepareTenants(configFile);
      await writeManifest(manifestDrift);
      await this.quietSync(configFile, [drifted], true);
    } catch (error) {
      if (sqlite) throw new UserError(`demo setup failed in ${dir}: ${(error as Error).message}`);
      throw new UserError(`demo setup failed against ${redactUrl(url)}: ${(error as Error).message}\nIs PostgreSQL running? Set SCHEMA_SYNC_PG_URL or pass --database-url.`);
    }

    await writeManifest(manifestV2);
    say(`The manifest now adds ${colors.green('customers.phone')} and ${colors.green('orders_created_idx')}.\n`);

    const steps: { command: string; exitCode: number; output?: unknown }[] = [];
    const run = async (args: string[]): Promise<number> => {
      if (flags.json) return this.runQuietly(args, configFile, steps);
      this.log(colors.cyan(`$ schema-sync ${args.join(' ')}`));
      process.exitCode = 0;
      await this.config.runCommand(args[0]!, [...args.slice(1), '--config', configFile]);
      const code = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      this.log(colors.dim(`(exit ${code})\n`));
      return code;
    };

    await run(['tenants']);
    const before = await run(['check']);
    await run(['plan']);
    const planFile = (await readdir(path.join(dir, 'plans'))).find((f) => f.endsWith('.yaml'));
    if (!planFile) throw new UserError('the demo expected a plan file, but plan wrote none');
    const planPath = displayPath(path.join(dir, 'plans', planFile));
    const applied = await run(['apply', planPath]);
    const after = await run(['check']);

    const ok = before === 1 && applied === 0 && after === 0;
    if (flags.json) {
      this.printJson({ ok, engine: flags.engine, dir, steps });
      return ok ? 0 : 1;
    }
    this.log(
      ok
        ? colors.green('Done: check found what differs, the reviewed plan fixed every tenant, and check passes.')
        : colors.red('The demo did not end as expected; see the output above.'),
    );
    this.log(`Look around: ${shown}/ holds the config, the manifest${sqlite ? ', the tenant files' : ''} and the plan file.`);
    return ok ? 0 : 1;
  }

  /** --json: the same commands with --json, their output collected into one JSON document. */
  private async runQuietly(args: string[], configFile: string, steps: { command: string; exitCode: number; output?: unknown }[]): Promise<number> {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
    process.exitCode = 0;
    try {
      await this.config.runCommand(args[0]!, [...args.slice(1), '--config', configFile, '--json']);
    } finally {
      process.stdout.write = write;
    }
    const exitCode = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    let output: unknown;
    try {
      output = JSON.parse(chunks.join(''));
    } catch {
      output = chunks.join('');
    }
    steps.push({ command: `schema-sync ${args.join(' ')}`, exitCode, output });
    return exitCode;
  }

  private async prepareTenants(configFile: string): Promise<void> {
    const engine = await SchemaSyncEngine.open({ file: configFile });
    try {
      for (const name of await engine.listTenants().then((ts) => ts.map((t) => t.name))) {
        await engine.project.adapter.dropTenant(name);
      }
      for (const name of tenants) await engine.project.adapter.createTenant(name);
    } finally {
      await engine.close();
    }
    await this.quietSync(configFile, tenants, false);
  }

  private async quietSync(configFile: string, only: string[], allowDestructive: boolean): Promise<void> {
    const engine = await SchemaSyncEngine.open({ file: configFile });
    try {
      const plan = await engine.plan({ tenants: only }, { allowDestructive });
      const results = await engine.apply(plan, { allowDestructive });
      const failed = results.find((r) => r.status !== 'applied');
      if (failed) throw new Error(`${failed.tenant}: ${failed.error ?? failed.status}`);
    } finally {
      await engine.close();
    }
  }
}


/** Relative to the working directory when the path is below it, else absolute. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel === '' ? '.' : rel.startsWith('..') ? file : rel;
}
