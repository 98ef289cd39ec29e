import { Args, Flags } from '@oclif/core';
import { UserError } from '../../../errors.js';
import { openSnapshotStore } from '../../../project/snapshot-store.js';
import { writeSnapshotYaml } from '../../../snapshot/snapshot-file.js';
import { BaseCommand } from '../../base-command.js';

export default class SnapshotShow extends BaseCommand {
  static override summary = "Print a tenant's snapshot: the newest, or the version at --rev.";
  static override description =
    'Prints the snapshot in the form of snapshots/<tenant>.yaml: tenant, fingerprint, plan id and the schema model. --rev takes what snapshot list shows: a git revision (HEAD~1, a commit), a database row id, or current.';
  static override examples = ['<%= config.bin %> snapshot show acme', '<%= config.bin %> snapshot show acme --rev HEAD~1 --json'];
  static override args = { tenant: Args.string({ description: 'the tenant', required: true }) };
  static override flags = { rev: Flags.string({ description: 'the version to show (default: the newest)' }) };

  protected async execute(): Promise<number> {
    const { args, flags } = await this.parse(SnapshotShow);
    const project = await this.openProject(flags);
    const store = await openSnapshotStore(project);
    const snapshot = await store.load(args.tenant, flags.rev);
    if (!snapshot) {
      throw new UserError(`no snapshot of ${args.tenant}${flags.rev !== undefined ? ` at ${flags.rev}` : ''} (see schema-sync snapshot list ${args.tenant})`);
    }
    if (flags.json) this.printJson(snapshot);
    else {
      const { tenant, fingerprint, planId, schema } = snapshot;
      process.stdout.write(writeSnapshotYaml({ tenant, fingerprint, ...(planId !== undefined ? { planId } : {}), schema }));
    }
    return 0;
  }
}
