import type { ReconcileStatus } from '../reconcile/reconcile-pass.js';
import { colors } from './colors.js';

/** One pass of reconcile, for a terminal or a log. */
export function formatReconcileStatus(status: ReconcileStatus): string {
  const t = status.tenants;
  const head = `${status.at} reconcile (${status.policy})${status.ref ? ` ${status.ref}@${status.commit?.slice(0, 12)}` : ''}`;
  if (status.error !== undefined) return `${head}: ${colors.red('failed')}: ${status.error}`;
  const total = t['in-sync'] + t.pending + t.drifted + t.conflict + t.error;
  const parts = [colors.green(`${t['in-sync']} in sync`), t.pending > 0 ? colors.yellow(`${t.pending} pending`) : '0 pending', t.drifted > 0 ? colors.red(`${t.drifted} drifted`) : '0 drifted'];
  if (t.conflict > 0) parts.push(colors.red(`${t.conflict} in conflict`));
  if (t.error > 0) parts.push(colors.red(`${t.error} unreadable`));
  const lines = [`${head}: ${total} tenant${total === 1 ? '' : 's'}: ${parts.join(', ')} (${(status.durationMs / 1000).toFixed(1)} s)`];
  if (status.drifted.length > 0) lines.push(`  drifted: ${status.drifted.slice(0, 10).join(', ')}${status.drifted.length > 10 ? `, +${status.drifted.length - 10} more` : ''}`);
  if (status.report) lines.push(`  report: ${status.report} (and drift.md beside it)`);
  if (status.plan) {
    lines.push(`  plan ${status.plan.id}: ${status.plan.tenants} tenant${status.plan.tenants === 1 ? '' : 's'} (${status.plan.file})${status.plan.branch ? `, committed to branch ${status.plan.branch}` : ''}`);
    const n = status.plan.withHazards;
    if (n > 0 && status.policy === 'apply-safe') lines.push(colors.yellow(`  ${n} tenant${n === 1 ? '' : 's'} left for a reviewed apply: their changes carry hazards`));
    else if (n > 0) lines.push(`  ${n} tenant${n === 1 ? '' : 's'} with hazards: review before apply`);
  }
  if (status.apply) {
    for (const w of status.apply.waves) {
      lines.push(`  wave ${w.wave}: ${w.applied} of ${w.tenants} applied${w.failed > 0 ? colors.red(`, ${w.failed} failed`) : ''}${w.notStarted > 0 ? `, ${w.notStarted} not started` : ''}`);
    }
    if (status.apply.snapshotError !== undefined) lines.push(colors.red(`  ${status.apply.snapshotError}`));
    if (status.apply.halted) lines.push(colors.red('  halted: a wave reached reconcile.maxFailuresPerWave; later waves were not started'));
  }
  if (status.interrupted) lines.push(colors.yellow('  interrupted: the tenants in flight finished, no other started'));
  return lines.join('\n');
}
