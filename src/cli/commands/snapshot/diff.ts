import { Args } from '@oclif/core';
import { describeChange } from '../../../diff/describe-change.js';
import { formatSnapshotDiff } from '../../../output/format-snapshot.js';
import { openSnapshotStore } from '../../../project/snapshot-store.js';
import { BaseCommand } from '../../base-command.js';

export default class SnapshotDiff extends BaseCommand {
  static override summary = "The changes between two versions of a tenant's snapshot, in the words of a plan.";
  static override description =
    'Diffs version revA against version revB with the same pure diff a plan uses, and prints each change as plan does. Revisions are what snapshot list shows: git revisions (HEAD~1 HEAD, commits), database row ids, or HEAD~n counted back from the newest version.';
  static override examples = ['<%= config.bin %> snapshot diff acme HEAD~1 HEAD', '<%= config.bin %> snapshot diff acme 3f2a9c1b HEAD --json'];
  static override args = {
    tenant: Args.string({ description: 'the tenant', required: true }),
    revA: Args.string({ description: 'the older version', required: true }),
    revB: Args.string({ description: 'the newer version', required: true }),
  };

  protected async execute(): Promise<number> {
    const { args, flags } = await this.parse(SnapshotDiff);
    const project = await this.openProject(flags);
    const store = await openSnapshotStore(project);
    const changes = await store.diff(args.tenant, args.revA, args.revB);
    if (flags.json) {
      this.printJson({ tenant: args.tenant, from: args.revA, to: args.revB, summary: changes.map(describeChange), changes });
    } else {
      this.log(formatSnapshotDiff(args.tenant, args.revA, args.revB, changes));
    }
    return 0;
  }
}
