import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * A consumer project that installs schema-sync and has no @types/node: node_modules/schema-sync
 * holds this package's package.json and the declarations `npm run build` publishes (emitted here
 * from the current source, so the test never reads a stale dist/), and nothing else. An import of
 * another package from the public types would not resolve, and a Node type would not exist.
 */
const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
let consumer: string;

beforeAll(async () => {
  consumer = await realpath(await mkdtemp(path.join(tmpdir(), 'schema-sync-consumer-')));
  const installed = path.join(consumer, 'node_modules', 'schema-sync');
  await mkdir(installed, { recursive: true });
  await copyFile(path.join(root, 'package.json'), path.join(installed, 'package.json'));
  await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
  emitDeclarations(path.join(installed, 'dist'));
}, 180_000);

afterAll(async () => {
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

/** The .d.ts files of tsconfig.build.json, as `npm run build` writes them. */
function emitDeclarations(outDir: string): void {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('tsconfig.build.json could not be read');
  // tsc --noEmit (run by the project's checks) type-checks the source; here only the emit matters.
  const options = { ...parsed.options, outDir, emitDeclarationOnly: true, noCheck: true, declarationMap: false, sourceMap: false };
  const result = ts.createProgram(parsed.fileNames, options).emit();
  const errors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) throw new Error(format(errors));
}

/** Type-checks the consumer's files, declarations of every package included, with strict on and no ambient @types. */
function compileConsumer(files: readonly string[], extra: Record<string, unknown> = {}): { diagnostics: string; outside: string[] } {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    { strict: true, types: [], skipLibCheck: false, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', ...extra },
    consumer,
  );
  expect(format(errors)).toBe('');
  const program = ts.createProgram(
    files.map((f) => path.join(consumer, f)),
    options,
  );
  const libDir = path.dirname(ts.getDefaultLibFilePath(options));
  // Every file the compiler loaded: the consumer's own, the published declarations, TypeScript's lib.
  const outside = program
    .getSourceFiles()
    .map((f) => path.resolve(f.fileName))
    .filter((f) => !f.startsWith(consumer + path.sep) && !f.startsWith(libDir + path.sep));
  return { diagnostics: format(ts.getPreEmitDiagnostics(program)), outside };
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => consumer,
    getNewLine: () => '\n',
  });
}

/** The ```ts blocks of the README's Library section. */
async function readmeTypeScript(): Promise<string[]> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Library\n');
  expect(start, 'README has a Library section').toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('the published types, for a consumer without @types/node', () => {
  test('every public export compiles under strict with neither Node nor DOM typings', async () => {
    await writeFile(
      path.join(consumer, 'surface.ts'),
      "import * as schemaSync from 'schema-sync';\nexport type PublicApi = typeof schemaSync;\n",
    );
    const { diagnostics, outside } = compileConsumer(['surface.ts'], { lib: ['ES2022'] });
    expect(diagnostics).toBe('');
    expect(outside).toEqual([]);
  });

  test('the consumer really has no Node typings: a NodeJS type does not compile there', async () => {
    // Guards the test above: were @types/node visible after all, a leak would pass unseen.
    await writeFile(path.join(consumer, 'leak.ts'), 'export declare const env: NodeJS.ProcessEnv;\n');
    const { diagnostics } = compileConsumer(['leak.ts'], { lib: ['ES2022'] });
    expect(diagnostics).toMatch(/TS2503: Cannot find namespace 'NodeJS'/);
  });

  test("the README's TypeScript example compiles against the published package", async () => {
    const blocks = await readmeTypeScript();
    expect(blocks.length).toBeGreaterThan(0);
    const files: string[] = [];
    for (const [index, block] of blocks.entries()) {
      expect(block).toMatch(/from 'schema-sync'/);
      const file = `readme-${index + 1}.ts`;
      await writeFile(path.join(consumer, file), block);
      files.push(file);
    }
    // The default lib of the target (with the DOM's console), as a consumer gets without a `lib`.
    const { diagnostics, outside } = compileConsumer(files);
    expect(diagnostics).toBe('');
    expect(outside).toEqual([]);
  });
});
