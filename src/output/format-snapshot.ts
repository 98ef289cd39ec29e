import type { Change } from '../diff/changes.js';
import { describeChange } from '../diff/describe-change.js';
import type { RecordedSnapshots } from '../snapshot/record-snapshots.js';
import type { SnapshotVersion } from '../snapshot/types.js';
import { colors } from './colors.js';
import { changeMark } from './format-plan.js';

/** Revisions as `snapshot list` shows them: a git commit abbreviated as git does by default. */
export function shortRev(rev: string): string {
  return /^[0-9a-f]{40,64}$/.test(rev) ? rev.slice(0, 12) : rev;
}

/** `snapshot list`: newest first, one line each. */
export function formatVersions(tenant: string, versions: readonly SnapshotVersion[]): string {
  if (versions.length === 0) return `No snapshot of ${tenant} yet: apply a plan, or adopt it with inspect --tenant ${tenant} -o <manifest>.`;
  const width = Math.max(...versions.map((v) => shortRev(v.rev).length));
  return versions
    .map((v) => {
      const plan = v.planId !== undefined ? `plan ${v.planId}` : 'adopted';
      const message = v.message !== undefined ? `  ${colors.dim(v.message)}` : '';
      return `${colors.yellow(shortRev(v.rev).padEnd(width))}  ${v.at}  ${v.fingerprint.slice(7, 19)}  ${plan}${message}`;
    })
    .join('\n');
}

/** `snapshot diff`: the changes in the same words, and with the same marks, as plan. */
export function formatSnapshotDiff(tenant: string, revA: string, revB: string, changes: readonly Change[]): string {
  const head = `${colors.bold('Snapshot')} ${tenant} ${shortRev(revA)} -> ${shortRev(revB)}`;
  if (changes.length === 0) return `${head}: no changes`;
  const lines = changes.map((change) => {
    const summary = describeChange(change);
    return `  ${changeMark(summary)} ${summary}`;
  });
  return [`${head}: ${changes.length} change${changes.length === 1 ? '' : 's'}`, ...lines].join('\n');
}

/** The line apply and adopt print after saving snapshots. */
export function formatRecorded(recorded: RecordedSnapshots): string {
  const n = recorded.saved.length;
  const commit = recorded.commit !== undefined ? ` (git commit ${recorded.commit.slice(0, 12)})` : '';
  return `Snapshots: ${n} tenant${n === 1 ? '' : 's'} saved to ${recorded.location}${commit}`;
}
