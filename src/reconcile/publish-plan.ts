import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { UserError, errorMessage } from '../errors.js';
import { identityFallback } from '../util/git.js';

export interface PublishedPlan {
  readonly branch: string;
  readonly commit: string;
  /** False when the branch already held this plan from an earlier pass. */
  readonly created: boolean;
  /** Set when the branch was pushed to the remote of the followed ref. */
  readonly pushed?: string;
  readonly warnings: readonly string[];
}

/**
 * Commits the plan file on a branch of its own, made from HEAD, for a pull request. Built with a
 * separate index and written straight into git, so the working tree, the index and the
 * checked-out branch stay as they are: merging the branch later finds nothing in the way.
 */
export async function publishPlan(dir: string, plan: { file: string; text: string }, branch: string, message: string, remote?: string): Promise<PublishedPlan> {
  const git = simpleGit(dir);
  if (!(await git.checkIsRepo().catch(() => false))) throw new UserError(`reconcile policy plan commits plans to a branch, but ${dir} is not in a git repository`);
  const root = (await git.revparse(['--show-toplevel'])).trim();
  const existing = await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => '');
  if (existing.trim() !== '') return { branch, commit: existing.trim(), created: false, warnings: [] };

  const scratch = await mkdtemp(path.join(tmpdir(), 'schema-sync-index-'));
  try {
    const env: Record<string, string> = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    // simple-git refuses a custom environment that carries variables able to run programs (EDITOR,
    // GIT_SSH, ...): pass on only what these plumbing commands and the author identity need.
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined && /^(PATH|HOME|USER|LOGNAME|LANG|LC_[A-Z]+|TMPDIR|XDG_CONFIG_HOME|GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)|GIT_CONFIG_(GLOBAL|NOSYSTEM))$/.test(key)) env[key] = value;
    }
    const plumbingOf = (config: string[]) => simpleGit({ baseDir: root, config, allowEnvironment: Object.keys(env).filter((k) => k.startsWith('GIT_')) }).env(env);
    const plumbing = plumbingOf([]);
    await plumbing.raw(['read-tree', 'HEAD']);
    const text = path.join(scratch, 'plan.yaml');
    await writeFile(text, plan.text);
    const blob = (await plumbing.raw(['hash-object', '-w', text])).trim();
    const inRepo = path.relative(root, plan.file).split(path.sep).join('/');
    await plumbing.raw(['update-index', '--add', '--cacheinfo', `100644,${blob},${inRepo}`]);
    const tree = (await plumbing.raw(['write-tree'])).trim();
    const committer = plumbingOf(await identityFallback(plumbing));
    const commit = (await committer.raw(['commit-tree', tree, '-p', 'HEAD', '-m', message])).trim();
    await git.raw(['branch', branch, commit]);
    const warnings: string[] = [];
    let pushed: string | undefined;
    if (remote !== undefined && (await git.getRemotes()).some((r) => r.name === remote)) {
      try {
        await git.push(remote, branch);
        pushed = remote;
      } catch (error) {
        warnings.push(`plan branch ${branch} not pushed to ${remote}: ${errorMessage(error).split('\n')[0]}`);
      }
    }
    return { branch, commit, created: true, ...(pushed !== undefined ? { pushed } : {}), warnings };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot commit the plan to branch ${branch}: ${errorMessage(error).split('\n')[0]}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
