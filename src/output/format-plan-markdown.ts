import type { PlanFile } from '../plan/plan-file.js';
import { stepPlacement, type StepPlacement } from '../plan/step.js';
import { afterCommitNote, runsAfterCommit, tenantList } from './format-plan.js';

const placementCell: Readonly<Record<StepPlacement, string>> = {
  'main-transaction': 'main transaction',
  'own-transaction': '**after commit**, own transaction',
  'no-transaction': '**after commit**, no transaction',
};

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** A pull-request comment: what changes, for how many tenants, with which hazards. */
export function formatPlanMarkdown(plan: PlanFile, file?: string): string {
  const s = plan.summary;
  const lines: string[] = [];
  lines.push(`### schema-sync plan \`${plan.id}\``);
  lines.push('');
  lines.push(
    `**${s.tenants}** tenant${s.tenants === 1 ? '' : 's'}: **${s.changed}** to change, ${s.inSync} in sync` +
      `${s.failed > 0 ? `, **${s.failed} could not be read**` : ''}` +
      `${s.held ? `, **${s.held} held for drift**` : ''}` +
      `${plan.groups.length > 0 ? ` — ${plan.groups.length} distinct change set${plan.groups.length === 1 ? '' : 's'}` : ''}.`,
  );
  const held = plan.held?.length ?? 0;
  if (plan.groups.length === 0 && held > 0) {
    // A pull request must not read as clean when schema-sync skipped every tenant it would change.
    lines.push(
      '',
      `> :x: **No plan was written.** ${held} tenant${held === 1 ? ' was' : 's were'} held (changed out of band since the last apply) and no tenant was planned, ` +
        'so nothing will be applied; see below for what to do.',
    );
  }
  if (file) lines.push('', `Plan file: \`${file}\`. Apply after merge with \`schema-sync apply ${file}\`.`);
  const hazards = [...new Set(plan.groups.flatMap((g) => g.hazards))].sort();
  if (hazards.length > 0) lines.push('', `> **Hazards:** ${hazards.map((h) => `\`${h}\``).join(', ')}`);
  if (plan.groups.some((g) => g.steps.some((st) => st.consent === false))) {
    lines.push('>', '> :warning: Some steps delete data. Apply refuses them until `consent: true` is set on the step in the plan file, or `--allow-destructive` is passed.');
  }
  if (plan.groups.some((g) => g.steps.some(runsAfterCommit))) lines.push('', `> ${afterCommitNote}`);
  plan.groups.forEach((group, index) => {
    const names = group.tenants.map((t) => t.name);
    lines.push('');
    lines.push(`#### ${index + 1}. ${names.length} tenant${names.length === 1 ? '' : 's'}: ${tenantList(names, 8)}`);
    lines.push('');
    lines.push('| step | runs | lock | hazards |');
    lines.push('| --- | --- | --- | --- |');
    for (const step of group.steps) {
      const codes = step.hazards.map((h) => `\`${h.code}\``).join(' ');
      const consent = step.consent === false ? ' (needs consent)' : '';
      lines.push(`| ${cell(step.summary)}${consent} | ${placementCell[stepPlacement(step)]} | ${step.lock} | ${codes || '—'} |`);
    }
    lines.push('');
    lines.push('<details><summary>SQL</summary>');
    lines.push('');
    lines.push('```sql');
    for (const step of group.steps) {
      if (runsAfterCommit(step)) lines.push(`-- after commit, ${stepPlacement(step) === 'own-transaction' ? 'in its own transaction' : 'outside a transaction'}: ${step.summary.replaceAll('\n', ' ')}`);
      for (const statement of step.sql) lines.push(`${statement};`);
    }
    lines.push('```');
    lines.push('');
    lines.push('</details>');
  });
  if (plan.failed.length > 0) {
    lines.push('', '#### Could not be read', '');
    for (const f of plan.failed) lines.push(`- \`${f.tenant}\`: ${cell(f.error)}`);
  }
  if (plan.held && plan.held.length > 0) {
    lines.push('', '#### Held: changed out of band since the last apply', '');
    lines.push('These tenants are not in this plan. Plan with `--revert-drift` to put them back, or `--adopt-drift` to record their live schema as the new base.', '');
    for (const h of plan.held) {
      const conflict = h.conflicts.length > 0 ? ` — conflict on ${h.conflicts.map((c) => `\`${c}\``).join(', ')}` : '';
      lines.push(`- \`${h.tenant}\` (${h.status}${conflict}): ${cell(h.drift.join('; '))}`);
    }
  }
  if (plan.groups.length === 0 && plan.failed.length === 0 && !plan.held) lines.push('', 'Every tenant is in sync: nothing to apply.');
  return lines.join('\n') + '\n';
}
