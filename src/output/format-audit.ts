import type { AuditReport } from '../workflow/audit-tenants.js';
import { colors } from './colors.js';

/** The drift report of `audit` and `check`. */
export function formatAudit(report: AuditReport, options: { unmanaged: boolean }): string {
  const lines: string[] = [];
  for (const t of report.tenants) {
    if (t.status === 'in-sync') {
      lines.push(`  ${colors.green('in sync')}  ${t.tenant}`);
    } else if (t.status === 'error') {
      lines.push(`  ${colors.red('error')}    ${t.tenant}: ${t.error}`);
    } else {
      lines.push(`  ${colors.yellow('differs')}  ${t.tenant}`);
      for (const d of t.differences) lines.push(`             ${d}`);
    }
    if (options.unmanaged && t.unmanaged.length > 0) {
      lines.push(colors.dim(`             unmanaged: ${t.unmanaged.map((u) => `${u.kind} ${u.name}`).join(', ')}`));
    }
  }
  const s = report.summary;
  lines.push(
    `${s.total} tenant${s.total === 1 ? '' : 's'}: ${colors.green(`${s.inSync} in sync`)}, ` +
      `${s.differs > 0 ? colors.yellow(`${s.differs} differ`) : '0 differ'}` +
      `${s.errors > 0 ? ', ' + colors.red(`${s.errors} could not be read`) : ''}`,
  );
  return lines.join('\n');
}
