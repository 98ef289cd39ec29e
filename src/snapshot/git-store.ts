import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pLimit from 'p-limit';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { Change } from '../diff/changes.js';
import { UserError, errorMessage } from '../errors.js';
import type { SchemaModel } from '../model/types.js';
import { diffStoredVersions, versionsBack } from './diff-snapshots.js';
import { gitAt, identityFallback } from '../util/git.js';
import { withFileLock } from './file-lock.js';
import type { FilesystemSnapshotStore } from './filesystem-store.js';
import { readSnapshotHeader, readSnapshotYaml } from './snapshot-file.js';
import type { CurrentSnapshot, SnapshotMeta, SnapshotRun, SnapshotStore, SnapshotVersion, StoredSnapshot } from './types.js';

/** True when `dir` is inside a git work tree: the default store is then git. */
export async function isGitWorkTree(dir: string): Promise<boolean> {
  try {
    return (await simpleGit({ baseDir: dir }).raw(['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}

/** Tenants named in a commit's subject; the body lists them all. */
const subjectTenants = 5;

/**
 * One commit per run: `schema-sync: apply <planId> (<n> tenants: a, b, c…)`, and in the body
 * every tenant with its fingerprint, so `git log --grep` finds a tenant in a large run.
 */
export function snapshotCommitMessage(run: SnapshotRun, saved: readonly { tenant: string; fingerprint: string }[]): string {
  const names = saved.map((s) => s.tenant);
  const shown = names.slice(0, subjectTenants).join(', ') + (names.length > subjectTenants ? '…' : '');
  const subject = `schema-sync: ${run.action}${run.planId !== undefined ? ` ${run.planId}` : ''} (${names.length} tenant${names.length === 1 ? '' : 's'}: ${shown})`;
  return `${subject}\n\n${saved.map((s) => `${s.tenant} ${s.fingerprint}`).join('\n')}\n`;
}

/** How long a run waits for another schema-sync committing snapshots in the same checkout. */
const COMMIT_LOCK_WAIT_MS = 120_000;

/** Retries of one git command that found another git's lock (index.lock, a ref's .lock). */
const LOCKED_RETRIES = 8;

interface Repo {
  readonly git: SimpleGit;
  /** The snapshot directory relative to the config directory (git's working directory here), with '/'. */
  readonly dir: string;
  /** Our own lock around staging and committing, in the checkout's git directory. */
  readonly lockFile: string;
}

/**
 * The filesystem store's files, committed: `git log -- snapshots/acme.yaml` is the tenant's
 * history, and any revision git understands names a version. Only the snapshot files are ever
 * committed (`git commit -- <paths>` commits those paths alone and leaves whatever else the user
 * has staged as it was). Outside a git work tree it is the filesystem store.
 */
export class GitSnapshotStore implements SnapshotStore {
  readonly kind = 'git' as const;
  private readonly pending = new Map<string, SnapshotMeta>();
  private repoFound: Promise<Repo | undefined> | undefined;

  constructor(
    private readonly files: FilesystemSnapshotStore,
    /** The config file's directory: the work tree is looked for from here. */
    private readonly baseDir: string,
  ) {}

  get location(): string {
    return this.files.location;
  }

  private repo(): Promise<Repo | undefined> {
    this.repoFound ??= (async () => {
      if (!(await isGitWorkTree(this.baseDir))) return undefined;
      const git = gitAt(this.baseDir);
      // Snapshots configured outside the work tree cannot be committed: keep them as plain files.
      const top = (await git.raw(['rev-parse', '--show-toplevel'])).trim();
      await mkdir(this.files.dir, { recursive: true });
      const fromTop = path.relative(await realpath(top), await realpath(this.files.dir));
      if (fromTop.startsWith('..') || path.isAbsolute(fromTop)) return undefined;
      // Per work tree (index and HEAD are), and inside .git so it is never committed.
      const lockFile = path.resolve(this.baseDir, (await git.raw(['rev-parse', '--git-path', 'schema-sync-snapshots.lock'])).trim());
      return { git, dir: toPosix(path.relative(this.baseDir, this.files.dir)) || '.', lockFile };
    })();
    return this.repoFound;
  }

  private pathOf(repo: Repo, tenant: string): string {
    this.files.fileOf(tenant);
    return `${repo.dir}/${tenant}.yaml`;
  }

  async save(tenant: string, snapshot: SchemaModel, meta: SnapshotMeta): Promise<void> {
    await this.files.save(tenant, snapshot, meta);
    this.pending.set(tenant, meta);
  }

  async commit(run: SnapshotRun): Promise<{ commit?: string; warnings: string[] }> {
    const saved = [...this.pending].map(([tenant, meta]) => ({ tenant, fingerprint: meta.fingerprint })).sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
    this.pending.clear();
    const repo = await this.repo();
    if (!repo || saved.length === 0) return { warnings: [] };
    const warnings: string[] = [];
    const byPath = new Map(saved.map((s) => [this.pathOf(repo, s.tenant), s]));

    const ignored = new Set<string>();
    const paths = [...byPath.keys()];
    for (let i = 0; i < paths.length; i += 500) {
      const out = await repo.git.raw(['check-ignore', '--', ...paths.slice(i, i + 500)]);
      for (const line of out.split('\n')) if (line.trim() !== '') ignored.add(toPosix(line.trim()));
    }
    if (ignored.size > 0) warnings.push(`${ignored.size} snapshot file${ignored.size === 1 ? ' is' : 's are'} ignored by git (.gitignore): written to ${this.location}, not committed (set snapshotStore: filesystem to keep them uncommitted)`);
    const wanted = paths.filter((p) => !ignored.has(p));
    if (wanted.length === 0) return { warnings };

    // Two runs in one checkout (two applies, an apply and a reconcile) take turns: each stages and
    // commits its own files while the other waits, so neither loses its commit to index.lock.
    try {
      return await withFileLock(repo.lockFile, { waitMs: COMMIT_LOCK_WAIT_MS, what: 'another schema-sync is committing snapshots in this checkout' }, () =>
        this.commitPaths(repo, run, wanted, byPath, warnings),
      );
    } catch (error) {
      throw new Error(`git could not commit the snapshots (they are written to ${this.location}): ${errorMessage(error).trim()}`);
    }
  }

  private async commitPaths(
    repo: Repo,
    run: SnapshotRun,
    wanted: readonly string[],
    byPath: ReadonlyMap<string, { tenant: string; fingerprint: string }>,
    warnings: string[],
  ): Promise<{ commit?: string; warnings: string[] }> {
    // Path lists and the message go through files: a run of 100,000 tenants exceeds any command line.
    const scratch = await mkdtemp(path.join(tmpdir(), 'schema-sync-git-'));
    try {
      const pathspec = path.join(scratch, 'paths');
      await writeFile(pathspec, wanted.map((p) => p + '\0').join(''));
      await whileLocked(() => gitAt(this.baseDir, [], { strict: true }).raw(['add', `--pathspec-from-file=${pathspec}`, '--pathspec-file-nul']));
      // Only files whose content differs from HEAD: an unchanged snapshot makes no empty commit.
      const prefix = (await repo.git.raw(['rev-parse', '--show-prefix'])).trim();
      const staged = await repo.git.raw(['diff', '--cached', '--name-only', '-z', '--', repo.dir]);
      const changedFromTop = new Set(staged.split('\0').filter((p) => p !== ''));
      const changed = wanted.filter((p) => changedFromTop.has(path.posix.normalize(prefix + p)));
      if (changed.length === 0) return { warnings };
      await writeFile(pathspec, changed.map((p) => p + '\0').join(''));
      const messageFile = path.join(scratch, 'message');
      await writeFile(messageFile, snapshotCommitMessage(run, changed.map((p) => byPath.get(p)!)));
      const committer = gitAt(this.baseDir, await identityFallback(repo.git), { strict: true });
      await whileLocked(() => committer.raw(['commit', '--quiet', '-F', messageFile, `--pathspec-from-file=${pathspec}`, '--pathspec-file-nul']));
      return { commit: (await repo.git.revparse(['HEAD'])).trim(), warnings };
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** The working tree's file, as for rev 'current'. */
  current(tenant: string): Promise<CurrentSnapshot | undefined> {
    return this.files.current(tenant);
  }

  async load(tenant: string, rev?: string): Promise<StoredSnapshot | undefined> {
    const repo = await this.repo();
    if (!repo || rev === undefined || rev === 'current') return this.files.load(tenant, rev);
    // HEAD~n counts the tenant's own versions back, not the repository's commits: other commits
    // (a manifest change, another tenant's apply) come between two versions of one tenant.
    const back = versionsBack(rev);
    const commit = back !== undefined && back > 0 ? await this.versionCommit(repo, tenant, back) : await this.resolve(repo, rev);
    if (commit === undefined) return undefined;
    const text = await this.show(repo, commit, tenant);
    if (text === undefined) return undefined;
    const file = readSnapshotYaml(text, `${rev}:${this.pathOf(repo, tenant)}`);
    const at = (await repo.git.raw(['show', '-s', '--format=%cI', commit])).trim();
    return { tenant, rev: commit, schema: file.schema, fingerprint: file.fingerprint, ...(file.planId !== undefined ? { planId: file.planId } : {}), at };
  }

  async list(tenant: string): Promise<SnapshotVersion[]> {
    const repo = await this.repo();
    if (!repo) return this.files.list(tenant);
    const file = this.pathOf(repo, tenant);
    const log = await repo.git.raw(['log', '--format=%H%x1f%cI%x1f%s', '--', file]).catch(() => '');
    const commits = log
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [rev, at, message] = line.split('\x1f') as [string, string, string];
        return { rev, at, message };
      });
    const limit = pLimit(8);
    const texts = await Promise.all(commits.map((c) => limit(() => this.show(repo, c.rev, tenant))));
    const versions: SnapshotVersion[] = [];
    commits.forEach((c, i) => {
      const text = texts[i];
      if (text === undefined) return; // the commit deleted the file
      const head = readSnapshotHeader(text, `${c.rev}:${file}`);
      versions.push({ rev: c.rev, at: c.at, fingerprint: head.fingerprint, ...(head.planId !== undefined ? { planId: head.planId } : {}), message: c.message });
    });
    // A snapshot written but not committed (git was unavailable, or the run was not committed yet).
    const working = await this.files.readText(tenant);
    if (working !== undefined && working !== texts[0]) {
      const [current] = await this.files.list(tenant);
      if (current) versions.unshift({ ...current, message: 'not committed' });
    }
    return versions;
  }

  diff(tenant: string, revA: string, revB: string): Promise<Change[]> {
    return diffStoredVersions((t, r) => this.load(t, r), tenant, revA, revB);
  }

  /** The commit of the tenant's version `back` steps before its newest one, if it has that many. */
  private async versionCommit(repo: Repo, tenant: string, back: number): Promise<string | undefined> {
    const log = await repo.git.raw(['log', '--format=%H', `--max-count=${back + 1}`, '--', this.pathOf(repo, tenant)]).catch(() => '');
    return log.split('\n').filter((line) => line !== '')[back];
  }

  /** A revision as a commit id; anything git cannot resolve to a commit is the user's error. */
  private async resolve(repo: Repo, rev: string): Promise<string> {
    if (rev.startsWith('-')) throw new UserError(`not a revision: ${rev}`);
    try {
      return (await repo.git.raw(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).trim();
    } catch {
      throw new UserError(`unknown revision ${JSON.stringify(rev)} (see schema-sync snapshot list)`);
    }
  }

  /** The tenant's file at a commit, or undefined when it did not exist there. */
  private async show(repo: Repo, commit: string, tenant: string): Promise<string | undefined> {
    try {
      return await repo.git.raw(['show', `${commit}:./${this.pathOf(repo, tenant)}`]);
    } catch {
      return undefined;
    }
  }
}

/**
 * Runs a git command that takes a lock of git's own (index.lock, HEAD.lock), again with backoff
 * while another git (an editor's, the user's `git status`) holds it.
 */
async function whileLocked<T>(command: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await command();
    } catch (error) {
      if (attempt >= LOCKED_RETRIES || !/\.lock['"]?: File exists|Unable to create '[^']*\.lock'|cannot lock ref/i.test(errorMessage(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (0.5 + Math.random() / 2)));
    }
  }
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
