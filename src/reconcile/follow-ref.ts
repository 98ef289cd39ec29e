import { simpleGit } from 'simple-git';
import { UserError, errorMessage } from '../errors.js';

export interface FollowedRef {
  readonly ref: string;
  /** The commit the working tree is at after the pass's fetch. */
  readonly commit: string;
}

/** The remote a ref such as origin/main names, if it names one. */
export function remoteOf(ref: string): string | undefined {
  const slash = ref.indexOf('/');
  return slash > 0 ? ref.slice(0, slash) : undefined;
}

/**
 * Fetches the ref's remote and brings the working tree to the ref. Local commits, such as the git
 * snapshot store's, are replayed on top of it (for a plain checkout this is a fast-forward), and
 * local edits, such as a config copied in by a deployment, are stashed and put back. A working
 * tree that cannot be brought there is an error, and is left as it was.
 */
export async function followRef(dir: string, ref: string): Promise<FollowedRef> {
  const git = simpleGit(dir);
  if (!(await git.checkIsRepo().catch(() => false))) throw new UserError(`reconcile.ref is ${ref}, but ${dir} is not in a git repository`);
  const remotes = (await git.getRemotes()).map((r) => r.name);
  const remote = remoteOf(ref);
  if (remote !== undefined && remotes.includes(remote)) {
    try {
      await git.fetch(remote);
    } catch (error) {
      throw new UserError(`cannot fetch ${remote} for ${ref}: ${errorMessage(error)}`);
    }
  }
  const target = await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
  if (target.trim() === '') throw new UserError(`reconcile.ref ${ref} names no commit in ${dir}`);
  try {
    await git.raw(['rebase', '--quiet', '--autostash', ref]);
  } catch (error) {
    await git.raw(['rebase', '--abort']).catch(() => {});
    throw new UserError(`cannot bring the working tree to ${ref}: ${errorMessage(error).split('\n')[0]}`);
  }
  return { ref, commit: (await git.revparse(['HEAD'])).trim() };
}
