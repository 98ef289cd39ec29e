import { formatAudit } from '../../output/format-audit.js';
import { requireTenants } from '../../project/project.js';
import { auditTenants } from '../../workflow/audit-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Check extends BaseCommand {
  static override summary = 'CI gate: exit 1 if any tenant differs from its desired schema.';
  static override description =
    'Read-only, like audit, with terse output: the tenants that differ and what differs. Exits 0 when every tenant is in sync, 1 on differences, 2 on config errors or unreadable tenants.';
  static override examples = ['<%= config.bin %> check', '<%= config.bin %> check --tenant acme'];
  static override flags = { ...tenantFlags };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Check);
    const project = await this.openProject(flags);
    const discovery = await project.discover(this.tenantFilter(flags));
    for (const r of discovery.rejected) this.warning(`refused tenant name ${JSON.stringify(r.name)}: ${r.reason}`);
    requireTenants(discovery);
    const report = await auditTenants(project, discovery.tenants);
    if (flags.json) {
      this.printJson({
        ok: report.summary.differs === 0 && report.summary.errors === 0,
        summary: report.summary,
        differing: report.tenants.filter((t) => t.status !== 'in-sync').map((t) => ({ tenant: t.tenant, status: t.status, differences: t.differences, ...(t.error ? { error: t.error } : {}) })),
      });
    } else {
      const notInSync = { ...report, tenants: report.tenants.filter((t) => t.status !== 'in-sync') };
      this.log(formatAudit(notInSync, { unmanaged: false }));
    }
    if (report.summary.errors > 0) return 2;
    return report.summary.differs > 0 ? 1 : 0;
  }
}
