import { Command, Flags, type Interfaces } from '@oclif/core';
import { errorMessage, printable, UserError } from '../errors.js';
import { redactSecrets } from '../util/redact-url.js';
import { Project, requireTenants } from '../project/project.js';
import type { TenantContext } from '../domain/tenant.js';
import { parseShard, type RejectedTenant, type TenantFilter } from '../tenants/select-tenants.js';
import { colors } from '../output/colors.js';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;

/** Flags every command takes (DESIGN.md: --config, --json, --help). */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    config: Flags.string({ char: 'c', description: 'config file (default: found by search from the working directory)', helpGroup: 'GLOBAL' }),
    json: Flags.boolean({ description: 'print machine-readable JSON on stdout', helpGroup: 'GLOBAL', default: false }),
    'database-url': Flags.string({ description: 'connection URL (or SCHEMA_SYNC_DATABASE_URL); overrides the config', helpGroup: 'GLOBAL' }),
  };

  private project: Project | undefined;

  /** Returns the exit code of DESIGN.md. */
  protected abstract execute(): Promise<number>;

  override async run(): Promise<void> {
    let code: number;
    try {
      code = await this.execute();
    } catch (error) {
      code = this.report(error);
    } finally {
      if (this.project) await this.project.close().catch(() => {});
    }
    process.exitCode = code;
  }

  protected async openProject(flags: { config?: string; 'database-url'?: string }): Promise<Project> {
    this.project = await Project.open({
      ...(flags.config !== undefined ? { file: flags.config } : {}),
      ...(flags['database-url'] !== undefined ? { databaseUrl: flags['database-url'] } : {}),
    });
    return this.project;
  }

  /** Names discovery refused in the last selectTenants: a CI gate must not pass over them. */
  protected refused: RejectedTenant[] = [];

  /** Discovery narrowed by --tenant/--label; refused names are warned about; none matching is an error. */
  protected async selectTenants(project: Project, flags: { tenant?: string[]; label?: string[]; shard?: string }): Promise<TenantContext[]> {
    const discovery = await project.discover(this.tenantFilter(flags));
    this.refused = discovery.rejected;
    for (const r of discovery.rejected) this.warning(`refused tenant name ${JSON.stringify(r.name)}: ${r.reason}`);
    requireTenants(discovery);
    return discovery.tenants;
  }

  /** After a run over every tenant: warn about overrides that selected nobody. */
  protected async warnUnusedOverrides(project: Project, flags: { tenant?: string[]; label?: string[]; shard?: string }): Promise<void> {
    if ((flags.tenant?.length ?? 0) > 0 || (flags.label?.length ?? 0) > 0 || flags.shard !== undefined) return;
    for (const name of await project.desired.unusedOverrides()) {
      this.warning(`override ${name} selects none of the tenants: check its tenants globs and labels`);
    }
  }

  protected tenantFilter(flags: { tenant?: string[]; label?: string[]; shard?: string }): TenantFilter {
    return {
      ...(flags.tenant ? { tenants: flags.tenant } : {}),
      ...(flags.label ? { labels: flags.label } : {}),
      ...(flags.shard ? { shard: parseShard(flags.shard) } : {}),
    };
  }

  protected printJson(value: unknown): void {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  protected warning(message: string): void {
    process.stderr.write(colors.yellow('warning: ') + printable(redactSecrets(message)) + '\n');
  }

  /**
   * Errors reach the user as one clear message and an exit code, never a stack trace, never a
   * password and never a raw control character (errorMessage sees to the last two).
   */
  private report(error: unknown): number {
    const exitCode = error instanceof UserError ? error.exitCode : 2;
    const message = errorMessage(error);
    if (process.env['SCHEMA_SYNC_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(error.stack + '\n');
    process.stderr.write(colors.red('error: ') + message + '\n');
    return exitCode;
  }
}

export const tenantFlags = {
  // Non-greedy: one value per flag, so a positional argument may follow (apply --tenant x plan.yaml).
  tenant: Flags.string({ char: 't', description: 'only this tenant (a name or glob; repeatable)', multiple: true, multipleNonGreedy: true }),
  label: Flags.string({ char: 'l', description: 'only tenants with this label (repeatable)', multiple: true, multipleNonGreedy: true }),
  shard: Flags.string({ description: 'only part i of n of the tenants (i/n, by a stable hash of the name), so n workers split a fleet' }),
};
