import { Flags } from '@oclif/core';
import { formatAudit } from '../../output/format-audit.js';
import { auditExitCode, auditWithSnapshots } from '../../workflow/audit-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Audit extends BaseCommand {
  static override summary = 'Read-only drift report: which tenants differ from their desired schema, and how.';
  static override description =
    'Inspects every tenant with catalog reads only (no writes, no advisory locks; a role that can only read the catalogs is enough; see the README for the brief ACCESS SHARE locks PostgreSQL takes to print CHECK and index expressions) and reports each tenant as in sync, pending (the manifest changed), drifted (changed out of band since its last applied snapshot) or in conflict (both, on the same object), with the objects and the unmanaged objects it holds. Exits 0 when all are in sync, 1 when any differs, 2 on config errors or unreadable tenants.';
  static override examples = ['<%= config.bin %> audit', '<%= config.bin %> audit --json > drift.json'];
  static override flags = {
    ...tenantFlags,
    unmanaged: Flags.boolean({ description: 'also list unmanaged objects (views, functions, triggers, ...)', default: true, allowNo: true }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Audit);
    const project = await this.openProject(flags);
    const tenants = await this.selectTenants(project, flags);
    const report = await auditWithSnapshots(project, tenants);
    await this.warnUnusedOverrides(project, flags);
    if (flags.json) {
      this.printJson({
        summary: report.summary,
        refused: this.refused,
        tenants: report.tenants.map(({ changes: _changes, ...rest }) => rest),
      });
    } else {
      this.log(formatAudit(report, { unmanaged: flags.unmanaged }));
    }
    // A tenant whose name was refused was not checked at all: the gate must not report success.
    return Math.max(auditExitCode(report), this.refused.length > 0 ? 2 : 0);
  }
}
