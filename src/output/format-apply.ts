import type { TenantResult, TenantStatus } from '../apply/tenant-result.js';
import { colors } from './colors.js';

const paint: Record<TenantStatus, (s: string) => string> = {
  applied: colors.green,
  'in-sync': colors.green,
  stale: colors.yellow,
  refused: colors.yellow,
  failed: colors.red,
  'not-started': colors.yellow,
};

export function countByStatus(results: readonly TenantResult[]): Record<TenantStatus, number> {
  const counts: Record<TenantStatus, number> = { applied: 0, 'in-sync': 0, stale: 0, refused: 0, failed: 0, 'not-started': 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** The per-tenant summary `apply` prints: every tenant that did not simply apply, then totals. */
export function formatApply(results: readonly TenantResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    if (r.status !== 'applied' && r.status !== 'in-sync') {
      lines.push(`  ${paint[r.status](r.status.padEnd(11))} ${r.tenant}: ${r.error ?? ''}`);
    }
    for (const w of r.warnings) lines.push(`  ${colors.yellow('warning')}  ${r.tenant}: ${w}`);
  }
  const c = countByStatus(results);
  lines.push(
    `${colors.bold('Apply')}: ${colors.green(`${c.applied} applied`)}, ${c['in-sync']} already in sync, ` +
      `${c.stale > 0 ? colors.yellow(`${c.stale} stale`) : '0 stale'}, ` +
      `${c.refused > 0 ? colors.yellow(`${c.refused} refused`) : '0 refused'}, ` +
      `${c.failed > 0 ? colors.red(`${c.failed} failed`) : '0 failed'}` +
      (c['not-started'] > 0 ? `, ${colors.yellow(`${c['not-started']} not started`)}` : ''),
  );
  if (c.stale > 0) lines.push('Stale tenants changed after the plan was made: run plan again and review the new plan.');
  return lines.join('\n');
}
