import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { loadConfig } from '../src/config/load-config.js';
import { connectFailure } from '../src/engines/postgres/internal/connect.js';
import { engine as postgresEngine } from '../src/engines/postgres/index.js';
import { errorMessage, printable } from '../src/errors.js';
import { loadManifest, loadOverrides } from '../src/manifest/load.js';
import { readPlanFile } from '../src/plan/plan-yaml.js';
import { connectionUrlProblem, redactSecrets, redactUrl } from '../src/util/redact-url.js';
import { runCli } from './helpers/cli.js';

// Passwords as users write them: raw, with the characters a URL reads as delimiters, and
// percent-encoded. None of them, nor any piece of them, may reach the terminal.
const passwords = ['Kq7@Zx9#Wv3', 'Aa1:Bb2/Cc3', 'Xy4?Zq5@Wm6', 'Hu2/@#:Tr8', 'Pq7%40Ss8%23Rt9', 'Kq7@Zx9', 'plainSecret9Q'];
const urlWith = (password: string, host = '127.0.0.1:1') => `postgres://nu_user:${password}@${host}/app`;
/** The password and every piece of it a parser could cut it into. */
const piecesOf = (password: string) => {
  const decoded = decodeURIComponent(password);
  return [password, decoded, ...password.split(/[@#:/?%]/), ...decoded.split(/[@#:/?]/)].filter((p) => p.length >= 3);
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'schema-sync-hostile-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('passwords are never printed', () => {
  test('redactUrl masks a password whole, raw or percent-encoded, and in the query', () => {
    for (const password of [...passwords, 'p@ss#1', 'a:b/c']) {
      const masked = redactUrl(urlWith(password));
      expect(masked).toBe('postgres://nu_user:*****@127.0.0.1:1/app');
    }
    expect(redactUrl('postgres://nu_user@db/app?password=s3cret&sslmode=require')).toBe('postgres://nu_user@db/app?password=*****&sslmode=require');
    expect(redactUrl('postgres://nu_user@db/app')).toBe('postgres://nu_user@db/app');
  });

  test('redactSecrets masks every URL in free text, up to the space or quote that ends it', () => {
    const text = `cannot connect to ${urlWith('p@ss#1')}: boom, nor to "${urlWith('a:b/c', 'db:5432')}"; conninfo password=s3cret host=db`;
    const masked = redactSecrets(text);
    for (const secret of ['p@ss#1', 'ss#1', 'a:b/c', 'b/c', 's3cret']) expect(masked).not.toContain(secret);
    expect(masked).toContain('cannot connect to postgres://nu_user:*****@127.0.0.1:1/app: boom');
    expect(masked).toContain('"postgres://nu_user:*****@db:5432/app"');
  });

  test('a URL the driver would misread is named as such, and one it reads as written is not', () => {
    expect(connectionUrlProblem(urlWith('p@ss#1'))).toMatch(/holds a '#'.*%23/);
    expect(connectionUrlProblem(urlWith('a:b/c'))).toMatch(/not read as written.*%2F/);
    expect(connectionUrlProblem(urlWith('x?y@z'))).toMatch(/not read as written.*%3F/);
    expect(connectionUrlProblem(urlWith('p%40ss%231'))).toBeUndefined();
    expect(connectionUrlProblem(urlWith('p@ss'))).toBeUndefined();
    expect(connectionUrlProblem(urlWith('a:b'))).toBeUndefined();
    expect(connectionUrlProblem('postgres://u@/app')).toBeUndefined();
    expect(connectionUrlProblem('postgres://db:5432/app?application_name=ops@eu')).toBeUndefined();
  });

  test('a missing password is a sentence, from the words pg really uses', async () => {
    // pg's own SCRAM code, as it runs when the server asks for a password the URL did not give.
    const sasl = (await import('pg/lib/crypto/sasl.js' as string)) as {
      startSession(mechanisms: string[]): unknown;
      continueSession(session: unknown, password: unknown, data: string): Promise<void>;
    };
    for (const password of [null, '']) {
      const error = await sasl.continueSession(sasl.startSession(['SCRAM-SHA-256']), password, 'r=abc,s=c2FsdA==,i=4096').catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a/);
      const said = connectFailure(error);
      expect(said).toMatch(/^the server asked for a password and the database url has none: .*PGPASSWORD/);
      expect(said).not.toContain('SASL');
    }
    expect(connectFailure(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  test('no error of any command, from any source of the url, prints a piece of the password', { timeout: 120_000 }, async () => {
    const dir = path.join(root, 'urls');
    mkdirSync(path.join(dir, 'schema'), { recursive: true });
    writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), 'version: 1\ntables: {}\n');
    const config = (url: string) => writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify({ engine: 'postgres', url, tenants: { pattern: 'tenant_*' } }));
    config('postgres://postgres@127.0.0.1:1/app');
    // A closed port and a host that does not resolve, in turn, through the config file, the
    // flag and the environment.
    for (const [i, password] of passwords.entries()) {
      const [closed, unresolved] = [urlWith(password, '127.0.0.1:1'), urlWith(password, 'nosuchhost.invalid:5432')];
      config(i % 2 === 0 ? closed : unresolved);
      const runs = await Promise.all([
        runCli(['tenants'], { cwd: dir }),
        runCli(['check', '--json', '--database-url', i % 2 === 0 ? unresolved : closed], { cwd: dir }),
        runCli(['reconcile', '--json'], { cwd: dir, env: { SCHEMA_SYNC_DATABASE_URL: closed } }),
      ]);
      for (const run of runs) {
        expect(run.code, run.stderr).toBe(2);
        expect(run.stdout + run.stderr).toMatch(/error: |"error"/);
        for (const piece of piecesOf(password)) expect(run.stdout + run.stderr, `${password}: ${piece}`).not.toContain(piece);
      }
    }
  });

  test('a syntax error in the config never quotes the line with the url', async () => {
    const dir = path.join(root, 'syntax');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'schema-sync.yaml'), 'engine: postgres\nurl: postgres://u:Sup3rS3cret@db/app\ntenants: { pattern: "t_*"\n');
    const run = await runCli(['tenants'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/schema-sync\.yaml:\d+:\d+: /);
    expect(run.stderr).not.toContain('Sup3rS3cret');
  });
});

describe('control characters in input are shown, never sent to the terminal', () => {
  test('printable escapes C0, DEL, C1 and bidi controls; keeps newlines and tabs', () => {
    expect(printable('a\x1b[2Jb\x07c\rd\x00e\x7ff\x9bg\u202eh\ti\nj')).toBe('a\\x1b[2Jb\\x07c\\x0dd\\x00e\\x7ff\\x9bg\\u202eh\ti\nj');
    expect(errorMessage(new Error('x\x1b]0;title\x07'))).toBe('x\\x1b]0;title\\x07');
  });

  test('an error and a warning that quote hostile names print them escaped', { timeout: 60_000 }, async () => {
    const dir = path.join(root, 'ansi');
    mkdirSync(path.join(dir, 'schema'), { recursive: true });
    mkdirSync(path.join(dir, 'overrides'));
    mkdirSync(path.join(dir, 'data'));
    new Database(path.join(dir, 'data', 'acme.db')).close();
    writeFileSync(path.join(dir, 'schema-sync.yaml'), stringify({ engine: 'sqlite', tenants: { pattern: 'data/*.db' } }));
    writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), 'version: 1\ntables:\n  users:\n    columns:\n      id: { type: integer, "nul\\e[2J\\alable\\r": false }\n');
    const bad = await runCli(['check'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown property 'nul\\x1b[2J\\x07lable\\x0d'");
    expect(bad.stderr).not.toMatch(/[\x07\x1b\r]/);

    writeFileSync(path.join(dir, 'schema', 'manifest.yaml'), 'version: 1\ntables: {}\n');
    writeFileSync(path.join(dir, 'overrides', 'evil\x1b[31m\x07.yaml'), stringify({ tenants: ['nobody'] }));
    const warned = await runCli(['check'], { cwd: dir });
    expect(warned.stderr).toContain('override evil\\x1b[31m\\x07.yaml selects none');
    expect(warned.stderr).not.toMatch(/[\x07\x1b]/);
  });
});

describe('YAML files: one document, bounded nesting, for config, manifest, override and plan alike', () => {
  const deepFlow = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepBlock = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}a:`).join('\n') + ' 1';
  // Each loader with a file that is valid but for what the test appends or nests.
  const loaders: { name: string; file: string; head: string; nest: string; load: (file: string) => Promise<unknown> }[] = [
    { name: 'config', file: 'schema-sync.yaml', head: 'engine: sqlite\ntenants: { pattern: "data/*.db" }\n', nest: 'apply: ', load: (file) => loadConfig({ file }) },
    { name: 'manifest', file: 'manifest.yaml', head: 'version: 1\ntables: {}\n', nest: 'enums: ', load: (file) => loadManifest(file, postgresEngine) },
    { name: 'override', file: 'overrides/o.yaml', head: 'tenants: [acme]\n', nest: 'tables: ', load: (file) => loadOverrides(path.dirname(file)) },
    { name: 'plan', file: 'plan.yaml', head: 'version: 1\nid: abc\n', nest: 'groups: ', load: (file) => readPlanFile(file) },
  ];

  test.each(loaders)('$name: a second document is an error at its line', async ({ name, file, head, load }) => {
    const full = path.join(root, `multi-${name}`, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, `${head}---\n${head}`);
    const line = head.split('\n').length;
    const error = await load(full).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorMessage(error)).toMatch(new RegExp(`${path.basename(file).replace('.', '\\.')}:${line}:1: a second YAML document starts here`));
  });

  test.each(loaders)('$name: deep nesting is a clear error naming the file and line, not a stack overflow', async ({ name, file, head, nest, load }) => {
    const full = path.join(root, `deep-${name}`, file);
    mkdirSync(path.dirname(full), { recursive: true });
    for (const body of [`${nest}${deepFlow(5000)}\n`, `${nest}\n${deepBlock(300).replace(/^/gm, '  ')}\n`]) {
      writeFileSync(full, head + body);
      const error = await load(full).then(
        () => undefined,
        (e: unknown) => e,
      );
      const message = errorMessage(error);
      expect(message).toMatch(new RegExp(`${path.basename(file).replace('.', '\\.')}:\\d+:\\d+: nested more than \\d+ levels deep`));
      expect(message).not.toMatch(/call stack/i);
    }
  });
});
