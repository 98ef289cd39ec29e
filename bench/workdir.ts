import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A new directory for a bench project, under BENCH_DIR when set, else the system temp directory.
 * The snapshot files an apply saves are part of what it costs, so where they go matters: on ext4,
 * allocating inodes in a block group where many files were deleted in the last minutes (the test
 * suite's, an earlier bench's) was seen to cost 0.7 ms a file instead of 0.05 ms.
 */
export async function benchWorkDir(prefix: string): Promise<string> {
  const parent = process.env['BENCH_DIR'] ?? tmpdir();
  await mkdir(parent, { recursive: true });
  return mkdtemp(path.join(parent, prefix));
}
