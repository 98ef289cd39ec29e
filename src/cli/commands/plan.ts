import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { formatPlan } from '../../output/format-plan.js';
import { formatPlanMarkdown } from '../../output/format-plan-markdown.js';
import { writePlanYaml } from '../../plan/plan-yaml.js';
import { planWithSnapshots } from '../../workflow/plan-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Plan extends BaseCommand {
  static override summary = 'Diff every tenant against its desired schema and write a reviewable plan.';
  static override description =
    'Inspects the tenants (read-only, batched), diffs each against the manifest plus its overrides, and writes plans/<id>.yaml: tenants with identical changes grouped, with the exact SQL and the hazards of every step. Nothing is written when every tenant is in sync. A tenant whose live schema changed out of band since its last applied snapshot is held out of the plan and reported, unless --revert-drift or --adopt-drift says what to do with it.';
  static override examples = ['<%= config.bin %> plan', '<%= config.bin %> plan --tenant acme --exit-code', '<%= config.bin %> plan --allow-destructive'];
  static override flags = {
    ...tenantFlags,
    'exit-code': Flags.boolean({ description: 'exit 1 when there are changes', default: false }),
    'allow-destructive': Flags.boolean({ description: 'give consent to every step that deletes data', default: false }),
    'concurrent-indexes': Flags.boolean({ description: 'build new indexes on existing tables CONCURRENTLY (default: apply.concurrentIndexes)', allowNo: true }),
    out: Flags.string({ char: 'o', description: 'write the plan to this file instead of plans/<id>.yaml' }),
    'revert-drift': Flags.boolean({
      description: 'plan tenants that drifted out of band since their last applied snapshot back to the desired schema (default: hold them out of the plan)',
      default: false,
      exclusive: ['adopt-drift'],
    }),
    'adopt-drift': Flags.boolean({
      description: "record drifted tenants' live schema as their snapshot, so they count as pending rather than drifted; they stay out of this plan",
      default: false,
      exclusive: ['revert-drift'],
    }),
    format: Flags.string({ description: 'what to print: a text summary, or markdown for a pull-request comment', options: ['text', 'markdown'], default: 'text' }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Plan);
    const project = await this.openProject(flags);
    const tenants = await this.selectTenants(project, flags);
    const { plan, adopted } = await planWithSnapshots(project, tenants, {
      allowDestructive: flags['allow-destructive'],
      drift: flags['revert-drift'] ? 'revert' : flags['adopt-drift'] ? 'adopt' : 'hold',
      ...(flags['concurrent-indexes'] !== undefined ? { concurrentIndexes: flags['concurrent-indexes'] } : {}),
    });
    await this.warnUnusedOverrides(project, flags);
    let file: string | undefined;
    if (plan.groups.length > 0) {
      const target = flags.out ? path.resolve(flags.out) : path.join(project.config.plans, `${plan.id}.yaml`);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, writePlanYaml(plan));
      file = project.relative(target);
    }
    for (const warning of adopted?.warnings ?? []) this.warning(warning);
    if (flags.json) this.printJson({ file: file ?? null, plan, ...(adopted ? { adopted } : {}) });
    else if (flags.format === 'markdown') process.stdout.write(formatPlanMarkdown(plan, file));
    else this.log(formatPlan(plan, file, adopted));
    if (plan.failed.length > 0) return 2;
    // Held tenants are not in sync either: a plan gate must not pass over them.
    return flags['exit-code'] && (plan.groups.length > 0 || (plan.held?.length ?? 0) > 0) ? 1 : 0;
  }
}
