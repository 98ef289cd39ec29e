import { simpleGit, type SimpleGit } from 'simple-git';

/**
 * The user's git environment that schema-sync's commits honour: who commits (CI systems set
 * GIT_AUTHOR_* / GIT_COMMITTER_*) and where git's config is. simple-git strips every other GIT_
 * variable a process inherits.
 */
export const IDENTITY_ENVIRONMENT = [
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_NOSYSTEM',
] as const;

/**
 * Who commits schema-sync's records when git knows nobody (a fresh CI runner): snapshots must
 * not be lost for want of a name. Passed per command with `-c`; the user's config is never written.
 */
export const FALLBACK_IDENTITY = { name: 'schema-sync', email: 'schema-sync@localhost' } as const;

/**
 * git in `baseDir` that commits as the user would, with `config` given per command (`-c`). With
 * `strict`, any non-zero exit is an error: simple-git lets one pass when git printed nothing to
 * stderr, as a refusing hook may do, and a commit that was never made must not pass for one.
 */
export function gitAt(baseDir: string, config: readonly string[] = [], options: { strict?: boolean } = {}): SimpleGit {
  return simpleGit({
    baseDir,
    config: [...config],
    allowEnvironment: IDENTITY_ENVIRONMENT,
    ...(options.strict
      ? {
          errors: (error: Buffer | Error | undefined, result: { exitCode: number; stdOut: Buffer[]; stdErr: Buffer[] }) => {
            if (error || result.exitCode === 0) return error;
            const said = (Buffer.concat(result.stdErr).toString('utf8').trim() || Buffer.concat(result.stdOut).toString('utf8').trim()).slice(-2000);
            return Buffer.from(said !== '' ? said : `git exited with code ${result.exitCode}`);
          },
        }
      : {}),
  });
}

/**
 * The `-c` settings a commit needs: none when git can tell who commits (config, environment, or
 * its own guess), else FALLBACK_IDENTITY for whichever of name and email the config lacks. The
 * environment wins over `-c`, so a half-given identity keeps its given half.
 */
export async function identityFallback(git: SimpleGit): Promise<string[]> {
  const succeeds = (args: string[]) => git.raw(args).then(() => true, () => false);
  // `git config --get` of an unset key exits 1 with no message, which simple-git does not count as an error.
  const configured = async (key: string) => (await git.raw(['config', '--get', key]).catch(() => '')).trim() !== '';
  if ((await succeeds(['var', 'GIT_AUTHOR_IDENT'])) && (await succeeds(['var', 'GIT_COMMITTER_IDENT']))) return [];
  const config: string[] = [];
  if (!(await configured('user.name'))) config.push(`user.name=${FALLBACK_IDENTITY.name}`);
  if (!(await configured('user.email'))) config.push(`user.email=${FALLBACK_IDENTITY.email}`);
  return config;
}
