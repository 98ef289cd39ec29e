import { Args, Flags } from '@oclif/core';
import { UserError } from '../../errors.js';
import { colors } from '../../output/colors.js';
import { countByStatus, formatApply } from '../../output/format-apply.js';
import { formatRecorded } from '../../output/format-snapshot.js';
import { startProgress } from '../../output/progress.js';
import { readPlanFile } from '../../plan/plan-yaml.js';
import { PlanRefused } from '../../plan/check-plan.js';
import { applyReviewed, type ReviewedRun } from '../../library/apply-reviewed.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Apply extends BaseCommand {
  static override summary = 'Apply exactly a reviewed plan, tenant by tenant.';
  static override description =
    'For each tenant in the plan: takes its advisory lock, refuses it as stale if its schema changed since the plan was made, runs its SQL in one transaction with lock and statement timeouts, retries transient failures, and verifies the result before COMMIT. A plan whose SQL is not what schema-sync renders for its changes is refused whole. Ctrl-C cancels the tenants in flight (rolled back) and starts no more; a second Ctrl-C stops at once. Exits 3 if any tenant failed, was stale, refused or not started, or if the snapshots of the tenants it migrated could not be saved.';
  static override examples = ['<%= config.bin %> apply plans/1f0c2d9e8a7b6c5d.yaml', '<%= config.bin %> apply plans/x.yaml --concurrency 16 --label canary'];
  static override args = { plan: Args.string({ description: 'plan file written by schema-sync plan', required: true }) };
  static override flags = {
    ...tenantFlags,
    concurrency: Flags.integer({ description: 'tenants applied at once (default: apply.concurrency)', min: 1 }),
    'allow-destructive': Flags.boolean({ description: 'run steps that delete data without per-step consent', default: false }),
  };

  protected async execute(): Promise<number> {
    const { args, flags } = await this.parse(Apply);
    const plan = await readPlanFile(args.plan);
    const project = await this.openProject(flags);
    if (plan.engine !== project.config.engine) {
      throw new UserError(`${args.plan} was planned for ${plan.engine}, but the config's engine is ${project.config.engine}`);
    }
    const retries = project.config.apply.retries;
    let progress: ReturnType<typeof startProgress> | undefined;
    let run: ReviewedRun;
    try {
      run = await applyReviewed(project, plan, {
        filter: this.tenantFilter(flags),
        ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        allowDestructive: flags['allow-destructive'],
        interrupts: {
          cancelling: () => process.stderr.write('\nInterrupted: cancelling the tenants in flight (their transactions roll back), starting no more. Ctrl-C again to stop now.\n'),
          // A second interrupt stops at once, but still says what was done: the server rolls back
          // whatever is in flight when this process's connections close.
          stopNow: (seen, total) => {
            progress?.stop();
            process.stderr.write(`\nStopped. ${total - seen.length} tenants unfinished: whatever was in flight is rolled back by the server.\n`);
            process.stdout.write(formatApply(seen) + '\n');
            process.exit(130);
          },
        },
        onPlanned: async (total) => {
          const manifest = await project.desired.manifestInfo().catch(() => undefined);
          if (manifest && manifest.digest !== plan.manifest.digest) {
            this.warning('the manifest or overrides changed since this plan was made; applying the plan as reviewed (plan again to include the changes)');
          }
          if (!flags.json && total > 0) progress = startProgress(total);
        },
        onResult: (r) => progress?.tick(r),
        onRetry: (tenant, attempt, error) => progress?.note(`retrying ${tenant} (attempt ${attempt + 1} of ${retries + 1}): ${error}`),
      });
    } catch (error) {
      // The library knows the plan, not its file: a refusal names the file the user gave.
      if (error instanceof PlanRefused) throw new UserError(`${args.plan}: ${error.message}`, error.exitCode);
      throw error;
    } finally {
      progress?.stop();
    }
    if (run.planned === 0) {
      if (flags.json) this.printJson({ plan: plan.id, summary: countByStatus([]), results: [] });
      else this.log('Nothing to apply: the plan has no changes for the selected tenants.');
      return 0;
    }
    const { results, snapshots, snapshotError, unsavedSnapshots } = run;
    const counts = countByStatus(results);
    if (flags.json) {
      this.printJson({
        plan: plan.id,
        summary: counts,
        results: results.map(({ schema: _schema, ...result }) => result),
        ...(snapshots ? { snapshots } : {}),
        ...(snapshotError !== undefined ? { snapshotError, unsavedSnapshots } : {}),
      });
    } else {
      this.log(formatApply(results));
      if (snapshots) this.log(formatRecorded(snapshots));
    }
    for (const warning of snapshots?.warnings ?? []) this.warning(warning);
    // The tenants are migrated, but without their snapshots the next plan holds them as drifted.
    if (snapshotError !== undefined) process.stderr.write(`${colors.red('error:')} ${snapshotError}\n`);
    return counts.failed + counts.stale + counts.refused + counts['not-started'] > 0 || snapshotError !== undefined ? 3 : 0;
  }
}
