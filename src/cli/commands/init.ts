import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Flags } from '@oclif/core';
import { UserError } from '../../errors.js';
import { BaseCommand } from '../base-command.js';

const configText = (engine: string, url: string | undefined, pattern: string) =>
  `# yaml-language-server: $schema=node_modules/schema-sync/schemas/config.schema.json
# schema-sync configuration. Keys: see schemas/config.schema.json.
engine: ${engine}
${url ? `url: ${url}\n` : engine === 'sqlite' ? '' : '# url: postgres://user@host:5432/app   # or --database-url, or SCHEMA_SYNC_DATABASE_URL\n'}tenants:
  pattern: "${pattern}"
  # exclude: ["tenant_test_*"]
  # labels: { canary: ["acme"] }
manifest: schema/manifest.yaml
overrides: overrides/
plans: plans/
snapshots: snapshots/
apply:
  concurrency: ${engine === 'sqlite' ? 4 : 8}
${engine === 'sqlite' ? '  busyTimeout: 5s                # how long apply waits for another writer of a tenant file\n' : '  lockTimeout: 5s\n  statementTimeout: 5m\n'}  retries: 3
`;

const manifestText = (engine: string) => `# yaml-language-server: $schema=../node_modules/schema-sync/schemas/manifest.schema.json
# The desired schema of every tenant. Adopt a live one in place of this starter with:
#   schema-sync inspect --tenant <name> -o schema/manifest.yaml --force
version: 1
tables:
  accounts:
    columns:
${
  engine === 'sqlite'
    ? `      id: { type: integer, primaryKey: true }
      email: { type: text, nullable: false, unique: true }
      created_at: { type: text, nullable: false, default: CURRENT_TIMESTAMP }
`
    : `      id: { type: bigserial, primaryKey: true }
      email: { type: text, nullable: false, unique: true }
      created_at: { type: timestamptz, nullable: false, default: now() }
`
}`;

const overridesReadme = `Overrides for some tenants: one YAML file each, applied in file-name order.

  tenants: ["acme", "big_*"]      # name globs, and/or
  labels: [enterprise]            # labels from the config
  tables:
    accounts:
      columns:
        sso_subject: text
  exclude:
    tables: [legacy_import]
`;

export default class Init extends BaseCommand {
  static override summary = 'Create schema-sync.yaml, schema/manifest.yaml, overrides/ and plans/ here.';
  static override description = 'Scaffolds a schema-sync project in the working directory. Existing files are kept unless --force.';
  static override examples = [
    '<%= config.bin %> init --url postgres://postgres@127.0.0.1:5432/app --pattern "tenant_*"',
    '<%= config.bin %> init --engine sqlite --pattern "data/tenants/*.db"',
  ];
  static override flags = {
    engine: Flags.string({ description: 'database engine', options: ['postgres', 'sqlite'], default: 'postgres' }),
    url: Flags.string({ description: 'connection URL to put in the config' }),
    pattern: Flags.string({ description: 'tenant glob: schema names (postgres), or files relative to the config (sqlite, e.g. data/tenants/*.db)' }),
    force: Flags.boolean({ description: 'overwrite existing files', default: false }),
  };

  protected async execute(): Promise<number> {
    const { flags } = await this.parse(Init);
    let url = flags.url ?? flags['database-url'];
    if (url && passwordOf(url)) {
      // The config is meant to be committed; a password does not belong in it.
      url = withoutPassword(url);
      this.warning('the password was left out of schema-sync.yaml: give it with PGPASSWORD or the full URL in SCHEMA_SYNC_DATABASE_URL');
    }
    const files: [string, string][] = [
      ['schema-sync.yaml', configText(flags.engine, url, flags.pattern ?? (flags.engine === 'sqlite' ? 'data/tenants/*.db' : 'tenant_*'))],
      ...(flags.engine === 'sqlite' && !flags.pattern ? ([['data/tenants/.gitkeep', '']] as [string, string][]) : []),
      ['schema/manifest.yaml', manifestText(flags.engine)],
      ['overrides/README.txt', overridesReadme],
      ['plans/.gitkeep', ''],
      ['snapshots/.gitkeep', ''],
    ];
    const written: string[] = [];
    const kept: string[] = [];
    for (const [file, text] of files) {
      if (!flags.force && (await exists(file))) {
        kept.push(file);
        continue;
      }
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text);
      written.push(file);
    }
    if (written.length === 0) throw new UserError(`nothing written: ${kept.join(', ')} already exist (use --force to overwrite)`);
    if (flags.json) this.printJson({ written, kept });
    else {
      for (const f of written) this.log(`created ${f}`);
      for (const f of kept) this.log(`kept    ${f} (exists)`);
      this.log(
        '\nNext: schema-sync tenants to see what the pattern finds; to adopt an existing tenant as the manifest,\n' +
          'schema-sync inspect --tenant <name> -o schema/manifest.yaml --force; else edit schema/manifest.yaml and run schema-sync plan.',
      );
    }
    return 0;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function passwordOf(url: string): string | undefined {
  try {
    return new URL(url).password || undefined;
  } catch {
    return undefined;
  }
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  return parsed.toString();
}
