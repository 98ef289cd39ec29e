import { formatAudit } from '../../output/format-audit.js';
import { auditExitCode, auditWithSnapshots } from '../../workflow/audit-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Check extends BaseCommand {
  static override summary = 'CI gate: exit 1 if any tenant is pending, drifted or in conflict.';
  static override description =
    'Read-only, like audit, with terse output: the tenants that are not in sync and why (pending manifest changes, out-of-band drift since the last applied snapshot, or conflicts between the two). Exits 0 when every tenant is in sync, 1 on differences, 2 on config errors or unreadable tenants.';
  static override examples = ['<%= config.bin %> check', '<%= config.bin %> check --tenant acme'];
  static override flags = { ...tenantFlags };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Check);
    const project = await this.openProject(flags);
    const tenants = await this.selectTenants(project, flags);
    const report = await auditWithSnapshots(project, tenants);
    await this.warnUnusedOverrides(project, flags);
    if (flags.json) {
      this.printJson({
        ok: report.summary.inSync === report.summary.total && this.refused.length === 0,
        summary: report.summary,
        refused: this.refused,
        differing: report.tenants
          .filter((t) => t.status !== 'in-sync')
          .map((t) => ({
            tenant: t.tenant,
            status: t.status,
            differences: t.differences,
            ...(t.drift.length > 0 ? { drift: t.drift } : {}),
            ...(t.conflicts.length > 0 ? { conflicts: t.conflicts } : {}),
            ...(t.error ? { error: t.error } : {}),
          })),
      });
    } else {
      const notInSync = { ...report, tenants: report.tenants.filter((t) => t.status !== 'in-sync') };
      this.log(formatAudit(notInSync, { unmanaged: false }));
    }
    // A tenant whose name was refused was not checked at all: the gate must not report success.
    return Math.max(auditExitCode(report), this.refused.length > 0 ? 2 : 0);
  }
}
