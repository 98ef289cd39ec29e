import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { UserError, errorMessage } from '../../errors.js';
import { writeManifest } from '../../manifest/index.js';
import { fingerprint } from '../../model/fingerprint.js';
import { colors } from '../../output/colors.js';
import { formatRecorded } from '../../output/format-snapshot.js';
import { requireTenants } from '../../project/project.js';
import { openSnapshotStore } from '../../snapshot/open-store.js';
import { recordSnapshots } from '../../snapshot/record-snapshots.js';
import { inspectTenants } from '../../workflow/inspect-tenants.js';
import { BaseCommand } from '../base-command.js';

export default class Inspect extends BaseCommand {
  static override summary = "Read a tenant's live schema; write it as a manifest to adopt it.";
  static override description =
    "With --tenant, prints that tenant's live schema as a manifest (or writes it with -o), which is how an existing database is adopted. Objects the model does not manage (views, functions, triggers, ...) are listed as comments. Without --tenant, prints each tenant's fingerprint and size. Reads the database only; -o also saves the tenant's snapshot (see snapshotStore in the config).";
  static override examples = ['<%= config.bin %> inspect --tenant acme -o schema/manifest.yaml', '<%= config.bin %> inspect --json'];
  static override flags = {
    tenant: Flags.string({ char: 't', description: 'the tenant to inspect' }),
    out: Flags.string({ char: 'o', description: 'write the manifest to this file' }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Inspect);
    if (flags.out && !flags.tenant) throw new UserError('-o needs --tenant: a manifest is written from one tenant');
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
      if (flags.json) {
        this.printJson({ tenant: only.tenant.name, fingerprint: fingerprint(only.schema), schema: only.schema });
        return 0;
      }
      const text = writeManifest(project.engine.normalizer.toManifestSchema(only.schema));
      if (flags.out) {
        await mkdir(path.dirname(path.resolve(flags.out)), { recursive: true });
        await writeFile(flags.out, text);
        const unmanaged = only.schema.unmanaged ?? [];
        process.stderr.write(
          `Wrote ${flags.out}: ${only.schema.tables.length} tables, ${only.schema.enums.length} enums` +
            `${unmanaged.length > 0 ? `, ${unmanaged.length} unmanaged objects listed as comments` : ''}\n`,
        );
        // Adopting makes the live schema the tenant's base: it is the tenant's snapshot from now on.
        try {
          const store = await openSnapshotStore(project, { tenants: discovery.tenants });
          const recorded = await recordSnapshots(store, { action: 'adopt' }, [{ tenant: only.tenant.name, schema: only.schema }]);
          process.stderr.write(formatRecorded(recorded) + '\n');
          for (const warning of recorded.warnings) this.warning(warning);
        } catch (error) {
          this.warning(`snapshot not saved: ${errorMessage(error)}`);
        }
      } else {
        process.stdout.write(text);
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
