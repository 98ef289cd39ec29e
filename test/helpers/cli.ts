import { execFile } from 'node:child_process';
import path from 'node:path';

const bin = path.join(import.meta.dirname, '..', '..', 'bin', 'run.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as a user would, in `cwd`, without colours. */
export function runCli(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** What a command class exposes to run it: oclif's static `run`. */
interface CommandClass {
  run(argv: string[], root: string): Promise<unknown>;
}

const repositoryRoot = path.join(import.meta.dirname, '..', '..');

/**
 * Runs one command in this process, as `schema-sync <args>` would run it, from the sources rather
 * than dist/: its exit code, and what it wrote to stdout and stderr (captured, not shown).
 */
export async function runCommand(command: CommandClass, args: readonly string[]): Promise<CliResult> {
  const previousCode = process.exitCode;
  const streams = { stdout: process.stdout, stderr: process.stderr } as const;
  const written = { stdout: '', stderr: '' };
  const writers = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };
  for (const name of ['stdout', 'stderr'] as const) {
    streams[name].write = ((chunk: string | Uint8Array) => {
      written[name] += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stdout.write;
  }
  let code: number | string | null | undefined;
  try {
    process.exitCode = 0;
    await command.run([...args], repositoryRoot);
    code = process.exitCode;
  } finally {
    streams.stdout.write = writers.stdout;
    streams.stderr.write = writers.stderr;
    process.exitCode = previousCode;
  }
  return { code: Number(code ?? 0), ...written };
}
