import { recoverTenants } from '../../workflow/recover-tenants.js';
import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Recover extends BaseCommand {
  static override summary = 'Roll back writes a killed process left half-done, so the tenants can be read again.';
  static override description =
    'A SQLite writer killed in the middle of a transaction (a table rebuild, say) leaves a hot journal next to the tenant file; read-only commands cannot read such a file and report it as needing recovery. recover takes each tenant\'s write lock, which makes SQLite roll the journal back (the tenant returns to its state before the interrupted write, with every row), and checks the file. PostgreSQL recovers by itself: there is nothing to do. Exits 0 when every tenant is readable, 2 when one could not be recovered.';
  static override examples = ['<%= config.bin %> recover', '<%= config.bin %> recover --tenant acme'];
  static override flags = { ...tenantFlags };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Recover);
    const project = await this.openProject(flags);
    const tenants = await this.selectTenants(project, flags);
    const results = await recoverTenants(project, tenants);
    const failed = results.filter((r) => r.status === 'failed');
    if (flags.json) {
      this.printJson({ tenants: results });
    } else {
      for (const r of results) {
        if (r.status === 'recovered') this.log(`${r.tenant}: rolled back an interrupted write`);
        if (r.status === 'failed') this.log(`${r.tenant}: failed: ${r.error ?? ''}`);
      }
      const recovered = results.filter((r) => r.status === 'recovered').length;
      process.stderr.write(`${recovered} recovered, ${results.length - recovered - failed.length} clean, ${failed.length} failed\n`);
    }
    return failed.length > 0 || this.refused.length > 0 ? 2 : 0;
  }
}
