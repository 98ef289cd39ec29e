import { BaseCommand, tenantFlags } from '../base-command.js';

export default class Tenants extends BaseCommand {
  static override summary = 'List the tenants discovery finds.';
  static override description =
    'Discovers tenants by the config (tenants.pattern, tenants.query or tenants.list, minus tenants.exclude) and prints them with their labels. Names that cannot be quoted safely are refused and reported.';
  static override examples = ['<%= config.bin %> tenants', '<%= config.bin %> tenants --label canary --json'];
  static override flags = { ...tenantFlags };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Tenants);
    const project = await this.openProject(flags);
    const discovery = await project.discover(this.tenantFilter(flags));
    if (flags.json) {
      this.printJson({ tenants: discovery.tenants.map((t) => ({ name: t.name, labels: t.labels })), rejected: discovery.rejected });
      return 0;
    }
    for (const r of discovery.rejected) this.warning(`refused tenant name ${JSON.stringify(r.name)}: ${r.reason}`);
    for (const t of discovery.tenants) this.log(t.labels.length > 0 ? `${t.name}  [${t.labels.join(', ')}]` : t.name);
    process.stderr.write(`${discovery.tenants.length} tenant${discovery.tenants.length === 1 ? '' : 's'}\n`);
    return 0;
  }
}
