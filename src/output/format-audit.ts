import type { AuditReport, AuditStatus, TenantAudit } from '../workflow/audit-tenants.js';
import { colors } from './colors.js';

const label: Record<AuditStatus, string> = {
  'in-sync': colors.green('in sync '),
  pending: colors.yellow('pending '),
  drifted: colors.red('drifted '),
  conflict: colors.red('conflict'),
  error: colors.red('error   '),
};

const indent = '            ';

/** The drift report of `audit` and `check`. */
export function formatAudit(report: AuditReport, options: { unmanaged: boolean; beforeSummary?: readonly string[] }): string {
  const lines: string[] = [];
  for (const t of report.tenants) {
    lines.push(`  ${label[t.status]}  ${t.tenant}${t.status === 'error' ? `: ${t.error}` : ''}`);
    lines.push(...details(t));
    if (options.unmanaged && t.unmanaged.length > 0) {
      lines.push(colors.dim(`${indent}unmanaged: ${t.unmanaged.map((u) => `${u.kind} ${u.name}`).join(', ')}`));
    }
  }
  lines.push(...(options.beforeSummary ?? []), formatAuditSummary(report));
  return lines.join('\n');
}

function details(t: TenantAudit): string[] {
  if (t.status === 'in-sync' || t.status === 'error') return [];
  const lines: string[] = [];
  if (t.conflicts.length > 0) lines.push(`${indent}${colors.red('conflict on')} ${t.conflicts.join(', ')}`);
  if (t.drift.length > 0) {
    lines.push(`${indent}changed out of band since the last apply:`);
    for (const d of t.drift) lines.push(`${indent}  ${d}`);
    lines.push(`${indent}to converge to the desired schema:`);
    for (const d of t.differences) lines.push(`${indent}  ${d}`);
  } else {
    for (const d of t.differences) lines.push(`${indent}${d}`);
  }
  return lines;
}

/**
 * `check`'s lines for tenants that hold objects outside the model: never compared, so never a
 * difference; with --strict each one fails the check.
 */
export function formatUnmanaged(report: AuditReport, strict: boolean): string[] {
  const holding = report.tenants.filter((t) => t.unmanaged.length > 0);
  if (holding.length === 0) return [];
  const lines = holding.map((t) => {
    const shown = t.unmanaged.slice(0, 5).map((u) => `${u.kind} ${u.name}`).join(', ');
    const more = t.unmanaged.length > 5 ? `, and ${t.unmanaged.length - 5} more` : '';
    const count = `${t.unmanaged.length} object${t.unmanaged.length === 1 ? '' : 's'}`;
    return `  ${strict ? colors.red('unmanaged') : colors.dim('unmanaged')} ${t.tenant}: ${count} outside the model, not compared (${shown}${more})`;
  });
  const why = strict ? 'check --strict fails on them' : 'check --strict fails on them; `audit` lists them all';
  return [...lines, colors.dim(`(${holding.length} tenant${holding.length === 1 ? '' : 's'} hold objects schema-sync does not compare: ${why})`)];
}

export function formatAuditSummary(report: AuditReport): string {
  const s = report.summary;
  const parts = [colors.green(`${s.inSync} in sync`)];
  parts.push(s.pending > 0 ? colors.yellow(`${s.pending} pending`) : '0 pending');
  parts.push(s.drifted > 0 ? colors.red(`${s.drifted} drifted`) : '0 drifted');
  if (s.conflicts > 0) parts.push(colors.red(`${s.conflicts} in conflict`));
  if (s.errors > 0) parts.push(colors.red(`${s.errors} could not be read`));
  const compared = report.compared.length > 0 ? `\n${colors.dim(`compared: ${report.compared.join('; ')}`)}` : '';
  const line = `${s.total} tenant${s.total === 1 ? '' : 's'}: ${parts.join(', ')}${compared}`;
  const unknown = report.tenants.filter((t) => t.status === 'pending' && !t.hasBase).length;
  if (unknown === 0) return line;
  const which = unknown === 1 ? '1 pending tenant has' : `${unknown} pending tenants have`;
  return `${line}\n${colors.dim(`(${which} no snapshot yet, so out-of-band drift cannot be told from pending changes)`)}`;
}
