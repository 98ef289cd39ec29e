import { Flags } from '@oclif/core';
import { formatAudit } from '../../output/format-audit.js';
import { requireTenants } from '../../project/project.js';
import { auditTenants } from '../../workflow/audit-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Audit extends BaseCommand {
  static override summary = 'Read-only drift report: which tenants differ from their desired schema, and how.';
  static override description =
    'Inspects every tenant with catalog reads only (no locks, no writes; a role that can only read the catalogs is enough) and reports per tenant the objects that differ and the unmanaged objects it holds. Exits 0 when all are in sync, 1 when any differs, 2 on config errors or unreadable tenants.';
  static override examples = ['<%= config.bin %> audit', '<%= config.bin %> audit --json > drift.json'];
  static override flags = {
    ...tenantFlags,
    unmanaged: Flags.boolean({ description: 'also list unmanaged objects (views, functions, triggers, ...)', default: true, allowNo: true }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Audit);
    const project = await this.openProject(flags);
    const discovery = await project.discover(this.tenantFilter(flags));
    for (const r of discovery.rejected) this.warning(`refused tenant name ${JSON.stringify(r.name)}: ${r.reason}`);
    requireTenants(discovery);
    const report = await auditTenants(project, discovery.tenants);
    if (flags.json) {
      this.printJson({
        summary: report.summary,
        tenants: report.tenants.map(({ changes: _changes, ...rest }) => rest),
        rejected: discovery.rejected,
      });
    } else {
      this.log(formatAudit(report, { unmanaged: flags.unmanaged }));
    }
    if (report.summary.errors > 0) return 2;
    return report.summary.differs > 0 ? 1 : 0;
  }
}
