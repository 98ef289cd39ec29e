import { Flags } from '@oclif/core';
import { formatAudit, formatUnmanaged } from '../../output/format-audit.js';
import { auditExitCode, auditWithSnapshots } from '../../workflow/audit-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Check extends BaseCommand {
  static override summary = 'CI gate: exit 1 if any tenant is pending, drifted or in conflict.';
  static override description =
    'Read-only, like audit, with terse output: the tenants that are not in sync and why (pending manifest changes, out-of-band drift since the last applied snapshot, or conflicts between the two), the object kinds compared, and the tenants that hold objects outside the model. Exits 0 when every tenant is in sync, 1 on differences (and, with --strict, on unmanaged objects), 2 on config errors or unreadable tenants.';
  static override examples = ['<%= config.bin %> check', '<%= config.bin %> check --tenant acme', '<%= config.bin %> check --strict'];
  static override flags = {
    ...tenantFlags,
    strict: Flags.boolean({ description: 'Also fail (exit 1) when a tenant holds objects schema-sync does not compare (unmanaged).', default: false }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Check);
    const project = await this.openProject(flags);
    const tenants = await this.selectTenants(project, flags);
    const report = await auditWithSnapshots(project, tenants);
    await this.warnUnusedOverrides(project, flags);
    const unmanaged = report.tenants.filter((t) => t.unmanaged.length > 0);
    const strictFailure = flags.strict && unmanaged.length > 0;
    if (flags.json) {
      this.printJson({
        ok: report.summary.inSync === report.summary.total && this.refused.length === 0 && !strictFailure,
        summary: report.summary,
        compared: report.compared,
        unmanaged: Object.fromEntries(unmanaged.map((t) => [t.tenant, t.unmanaged.map((u) => ({ kind: u.kind, name: u.name }))])),
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
      this.log(formatAudit(notInSync, { unmanaged: false, beforeSummary: formatUnmanaged(report, flags.strict) }));
    }
    // A tenant whose name was refused was not checked at all: the gate must not report success.
    return Math.max(auditExitCode(report), strictFailure ? 1 : 0, this.refused.length > 0 ? 2 : 0);
  }
}
