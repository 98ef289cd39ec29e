// A desired schema written as SQL: a .sql file (a pg_dump --schema-only, a Rails structure.sql),
// a folder of them run in file-name order, or the output of a command (an ORM's SQL of its
// models). The text is not read here, only gathered with where each piece comes from: the engine
// parses it and the server compiles it, like a YAML manifest's model.
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ManifestSqlSettings } from '../config/config.js';
import type { SqlSource } from '../model/desired.js';
import { UserError } from '../errors.js';
import { deepFreeze } from '../util/deep-freeze.js';
import type { Manifest } from './spec.js';

/** Whether the manifest at `file` (as configured) is SQL rather than YAML. */
export async function isSqlManifest(file: string, settings: ManifestSqlSettings | undefined): Promise<boolean> {
  if (settings) return true;
  if (/\.sql$/i.test(file)) return true;
  return (await stat(file).catch(() => undefined))?.isDirectory() ?? false;
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The .sql files of a folder (not its subfolders, not hidden files), in file-name order. */
async function folderFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isFile() && !e.name.startsWith('.') && /\.sql$/i.test(e.name)).map((e) => e.name);
  return names.sort(compareNames).map((name) => path.join(dir, name));
}

async function readSql(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: ${code === 'ENOENT' ? 'file not found' : `cannot read: ${(error as Error).message}`}`);
  }
}

/** Kept to the last lines: a command's whole stderr could bury the message. */
function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['...', ...all.slice(-lines)] : all).join('\n');
}

/** Runs the manifest's command in `cwd` and returns what it printed; its stderr is shown when it fails. */
export function runManifestCommand(command: string, cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout stops what the shell started too, not the shell alone.
    const child = spawn(command, { cwd, shell: true, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stop = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    // Detached, it would outlive an interrupted run: it goes when this process does.
    process.once('exit', stop);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      process.removeListener('exit', stop);
      reject(new UserError(`manifest command ${JSON.stringify(command)} could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      process.removeListener('exit', stop);
      const stderr = tail(Buffer.concat(err).toString('utf8'));
      const said = stderr ? `:\n${stderr}` : ' (it printed nothing on stderr)';
      if (signal !== null) {
        const why = timedOut ? `did not finish within ${timeoutMs / 1000}s (manifest.timeout)` : `was stopped by ${signal}`;
        reject(new UserError(`manifest command ${JSON.stringify(command)} ${why}${said}`));
      } else if (code !== 0) {
        reject(new UserError(`manifest command ${JSON.stringify(command)} failed with exit code ${code}${said}`));
      } else {
        resolve(Buffer.concat(out).toString('utf8'));
      }
    });
  });
}

/**
 * The SQL manifest at `file` (a .sql file or a folder), or printed by the configured command, as
 * a manifest with no YAML content and its SQL sources. `label` names a file as the user types it.
 */
export async function loadSqlManifest(file: string, settings: ManifestSqlSettings | undefined, label: (file: string) => string): Promise<Manifest> {
  const wholeSchema = settings?.schema !== undefined ? { schema: settings.schema } : {};
  let sources: SqlSource[];
  let name: string;
  if (settings?.command !== undefined) {
    name = `command ${JSON.stringify(settings.command)}`;
    const text = await runManifestCommand(settings.command, file, settings.timeoutMs);
    if (text.trim() === '') throw new UserError(`manifest ${name} printed no SQL`);
    sources = [{ text, file: name, line: 1, wholeSchema }];
  } else {
    name = label(file);
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new UserError(`${name}: file not found (the manifest)`);
    const files = info.isDirectory() ? await folderFiles(file) : [file];
    if (files.length === 0) throw new UserError(`${name}: the manifest folder holds no .sql file`);
    sources = [];
    for (const f of files) sources.push({ text: await readSql(f), file: label(f), line: 1, wholeSchema });
  }
  return deepFreeze({ file: name, content: { version: 1 }, sql: sources });
}
