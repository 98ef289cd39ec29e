import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { UserError, errorMessage } from '../../errors.js';
import { adoptedManifest } from '../../manifest/index.js';
import { fingerprint } from '../../model/fingerprint.js';
import { colors } from '../../output/colors.js';
import { formatRecorded } from '../../output/format-snapshot.js';
import { requireTenants } from '../../project/project.js';
import { openSnapshotStore } from '../../project/snapshot-store.js';
import { recordSnapshots } from '../../snapshot/record-snapshots.js';
import { inspectTenants } from '../../workflow/inspect-tenants.js';
import { BaseCommand } from '../base-command.js';

export default class Inspect extends BaseCommand {
  static override summary = "Read a tenant's live schema; write it as a manifest to adopt it.";
  static override description =
    "With --tenant, prints that tenant's live schema as a manifest (or writes it with -o), which is how an existing database is adopted. Objects the model does not manage (views, functions, triggers, ...) are listed as comments. Without --tenant, prints each tenant's fingerprint and size. Reads the database only and writes no snapshot: -o refuses to replace an existing file unless --force, and --adopt also records the live schema as the tenant's snapshot, the base its drift is measured from (see snapshotStore in the config).";
  static override examples = [
    '<%= config.bin %> inspect --tenant acme -o schema/manifest.yaml --force',
    '<%= config.bin %> inspect --tenant acme -o schema/manifest.yaml --force --adopt',
    '<%= config.bin %> inspect --tenant acme -o schema/structure.sql',
    '<%= config.bin %> inspect --json',
  ];
  static override flags = {
    tenant: Flags.string({ char: 't', description: 'the tenant to inspect' }),
    out: Flags.string({ char: 'o', description: 'write the manifest to this file (an existing one only with --force); a name ending in .sql writes tenant-neutral SQL' }),
    force: Flags.boolean({ description: 'with -o: replace the file if it exists', default: false }),
    adopt: Flags.boolean({ description: "also record the live schema as the tenant's snapshot: its drift is measured from here on", default: false }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Inspect);
    if (flags.out && !flags.tenant) throw new UserError('-o needs --tenant: a manifest is written from one tenant');
    if (flags.adopt && !flags.tenant) throw new UserError('--adopt needs --tenant: it records one tenant\'s live schema as its snapshot');
    if (flags.force && !flags.out) throw new UserError('--force goes with -o: it lets -o replace an existing file');
    // Before any database work: a refusal should cost nothing.
    if (flags.out && !flags.force) await refuseExisting(flags.out);
    const project = await this.openProject(flags);
    const discovery = await project.discover(flags.tenant ? { tenants: [flags.tenant] } : {});
    if (flags.tenant && !discovery.tenants.some((t) => t.name === flags.tenant)) {
      const refused = discovery.rejected.find((r) => r.name === flags.tenant);
      throw new UserError(refused ? `tenant ${JSON.stringify(flags.tenant)} refused: ${refused.reason}` : `tenant '${flags.tenant}' not found by discovery (see schema-sync tenants)`);
    }
    requireTenants(discovery);
    const inspected = await inspectTenants(project, discovery.tenants);

    if (flags.tenant) {
      const only = inspected[0]!;
      if (!only.schema) throw new UserError(`${only.tenant.name}: ${only.error}`);
      if (flags.out) {
        const text = /\.sql$/i.test(flags.out)
          ? await project.schemaAsSql(only.schema, only.tenant.name)
          : adoptedManifest(only.schema, project.engine);
        await writeManifestFile(flags.out, text, flags.force);
        const unmanaged = only.schema.unmanaged ?? [];
        process.stderr.write(
          `Wrote ${flags.out}: ${only.schema.tables.length} tables, ${only.schema.enums.length} enums` +
            `${(only.schema.objects ?? []).length > 0 ? `, ${only.schema.objects!.length} other objects under sql:` : ''}` +
            `${unmanaged.length > 0 ? `, ${unmanaged.length} unmanaged objects listed as comments` : ''}\n`,
        );
      }
      if (flags.json) this.printJson({ tenant: only.tenant.name, fingerprint: fingerprint(only.schema), schema: only.schema });
      else if (!flags.out) process.stdout.write(adoptedManifest(only.schema, project.engine));
      if (flags.adopt) {
        // Asked for: a snapshot not saved is a failure, not a warning.
        let recorded;
        try {
          const store = await openSnapshotStore(project, { tenants: discovery.tenants });
          recorded = await recordSnapshots(store, { action: 'adopt' }, [{ tenant: only.tenant.name, schema: only.schema }]);
        } catch (error) {
          throw new UserError(`${only.tenant.name}: snapshot not saved, its drift base is unchanged: ${errorMessage(error)}`);
        }
        process.stderr.write(formatRecorded(recorded) + '\n');
        for (const warning of recorded.warnings) this.warning(warning);
      }
      return 0;
    }

    if (flags.json) {
      this.printJson(inspected.map((i) => (i.schema ? { tenant: i.tenant.name, fingerprint: fingerprint(i.schema), tables: i.schema.tables.length, unmanaged: i.schema.unmanaged ?? [] } : { tenant: i.tenant.name, error: i.error })));
    } else {
      for (const i of inspected) {
        if (!i.schema) this.log(`${i.tenant.name}  ${colors.red(i.error ?? 'error')}`);
        else this.log(`${i.tenant.name}  ${fingerprint(i.schema).slice(7, 19)}  ${i.schema.tables.length} tables  ${(i.schema.unmanaged ?? []).length} unmanaged`);
      }
    }
    return inspected.some((i) => !i.schema) ? 2 : 0;
  }
}

async function refuseExisting(file: string): Promise<void> {
  const found = await stat(file).catch(() => undefined);
  if (found?.isDirectory()) throw new UserError(`-o ${file} is a directory: give a file name`);
  if (found) throw new UserError(`${file} already exists: pass --force to replace it`);
}

/** Without --force, the exclusive flag refuses a file that appeared since the check. */
async function writeManifestFile(file: string, text: string, force: boolean): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  try {
    await writeFile(file, text, { flag: force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${file} already exists: pass --force to replace it`);
    if (code === 'EISDIR') throw new UserError(`-o ${file} is a directory: give a file name`);
    throw new UserError(`cannot write ${file}: ${errorMessage(error)}`);
  }
}
