import { Args } from '@oclif/core';
import { formatVersions } from '../../../output/format-snapshot.js';
import { openSnapshotStore } from '../../../project/snapshot-store.js';
import { BaseCommand } from '../../base-command.js';

export default class SnapshotList extends BaseCommand {
  static override summary = "List the versions of a tenant's snapshot, newest first.";
  static override description =
    "A snapshot is a tenant's schema as last applied (or adopted with inspect -o). With the git store each version is a commit (git log of snapshots/<tenant>.yaml); with the database store, a row of its history table; the filesystem store keeps only the current version.";
  static override examples = ['<%= config.bin %> snapshot list acme', '<%= config.bin %> snapshot list acme --json'];
  static override args = { tenant: Args.string({ description: 'the tenant', required: true }) };

  protected async execute(): Promise<number> {
    const { args, flags } = await this.parse(SnapshotList);
    const project = await this.openProject(flags);
    const store = await openSnapshotStore(project);
    const versions = await store.list(args.tenant);
    if (flags.json) this.printJson({ tenant: args.tenant, store: store.kind, versions });
    else this.log(formatVersions(args.tenant, versions));
    return 0;
  }
}
