import { randomBytes } from 'node:crypto';
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. */
  readonly waitMs: number;
  /** What the lock guards, for the error when the wait runs out. */
  readonly what: string;
}

/**
 * Runs `fn` while holding `file`, created exclusively (O_EXCL), so two processes on one checkout
 * take turns. Waits with backoff, at most `waitMs`. A lock left by a process that no longer runs
 * on this host (a SIGKILLed apply) is taken over; one from another host is waited for.
 */
export async function withFileLock<T>(file: string, options: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  const token = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')}\n`;
  await acquire(file, token, options);
  try {
    return await fn();
  } finally {
    // Only our own lock is removed: never one that another process took over.
    if ((await readFile(file, 'utf8').catch(() => undefined)) === token) await unlink(file).catch(() => {});
  }
}

async function acquire(file: string, token: string, options: FileLockOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  let delay = 20;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(token);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readFile(file, 'utf8').catch(() => undefined);
    if (holder !== undefined && isAbandoned(holder)) {
      // Read again right before removing it: another waiter may have taken it over meanwhile.
      if ((await readFile(file, 'utf8').catch(() => undefined)) === holder) await unlink(file).catch(() => {});
      continue;
    }
    if (Date.now() >= deadline) {
      const pid = holder?.split(' ')[0];
      throw new Error(`${options.what}: ${file} is held${pid ? ` by process ${pid}` : ''}; gave up after ${Math.round(options.waitMs / 1000)} s (remove the file if no schema-sync runs there)`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now())) * (0.5 + Math.random() / 2)));
    delay = Math.min(delay * 2, 500);
  }
}

/** True when the lock names a process of this host that has ended. */
function isAbandoned(holder: string): boolean {
  const [pidText, host] = holder.split(' ');
  const pid = Number(pidText);
  // An empty or half-written file: its writer is between open and write, so it is not abandoned.
  if (!Number.isInteger(pid) || pid <= 0 || host !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
