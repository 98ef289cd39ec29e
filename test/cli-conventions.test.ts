// The habits of the CLIs platform engineers already use (issue 16, item 1): -h, `help <command>`,
// a suggestion for a mistyped command, and flags before or after the positional argument.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTempProject, type TempProject } from './helpers/project.js';

let project: TempProject;

beforeAll(async () => {
  project = await createTempProject({ engine: 'sqlite', tenants: { pattern: 'data/*.db' }, manifest: 'schema/manifest.yaml' });
  await import('node:fs/promises').then((fs) => fs.mkdir(path.join(project.dir, 'data')));
  for (const tenant of ['acme', 'globex']) new Database(path.join(project.dir, 'data', `${tenant}.db`)).close();
  await project.writeManifest({ tables: { items: { columns: { id: { type: 'integer', primaryKey: true } } } } });
});

afterAll(async () => {
  await project?.remove();
});

describe('CLI conventions', () => {
  test('-h prints what --help prints', async () => {
    const [short, long] = await Promise.all([runCli(['plan', '-h'], { cwd: project.dir }), runCli(['plan', '--help'], { cwd: project.dir })]);
    expect(short.code).toBe(0);
    expect(short.stdout).toContain('USAGE');
    expect(short.stdout).toBe(long.stdout);
  });

  test('help <command> prints the command\'s help, topics included; an unknown one exits 2', async () => {
    const [help, flag, nested] = await Promise.all([
      runCli(['help', 'plan'], { cwd: project.dir }),
      runCli(['plan', '--help'], { cwd: project.dir }),
      runCli(['help', 'snapshot', 'list'], { cwd: project.dir }),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    expect(nested.stdout).toContain('snapshot list');
    const unknown = await runCli(['help', 'nope'], { cwd: project.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no command "nope"');
  });

  test('a mistyped command names the one it most likely meant, and exits 2 without a stack', async () => {
    const result = await runCli(['chek'], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no command "chek". Did you mean "check"?');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const far = await runCli(['zzzzzz'], { cwd: project.dir });
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain('Did you mean');
  });

  test('the oclif manifest the build writes lists every command, so start-up imports none of them', () => {
    const root = path.join(import.meta.dirname, '..');
    const manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, unknown> };
    const commandsDir = path.join(root, 'dist', 'cli', 'commands');
    const built = readdirSync(commandsDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => file.replace(/\.js$/, '').split(path.sep).join(':'))
      .sort();
    expect(Object.keys(manifest.commands).sort()).toEqual(built);
  });

  test('repeatable flags may come before the positional argument: apply --tenant x <plan>', async () => {
    const planned = await runCli(['plan', '--tenant', 'acme', '--tenant', 'globex'], { cwd: project.dir });
    expect(planned.code, planned.stderr).toBe(0);
    const [planFile] = readdirSync(path.join(project.dir, 'plans'));
    expect(planFile).toBeDefined();
    const applied = await runCli(['apply', '--tenant', 'acme', path.join('plans', planFile!)], { cwd: project.dir });
    expect(applied.stderr).not.toContain('Missing 1 required arg');
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Apply: 1 applied/);
    const check = await runCli(['check', '--json'], { cwd: project.dir });
    const body = JSON.parse(check.stdout) as { summary: { inSync: number }; differing: { tenant: string; status: string }[] };
    expect(body.summary.inSync).toBe(1);
    expect(body.differing.map((t) => [t.tenant, t.status])).toEqual([['globex', 'pending']]);
  });
});
