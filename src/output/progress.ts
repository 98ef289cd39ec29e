import cliProgress from 'cli-progress';
import type { TenantResult } from '../apply/tenant-result.js';

export interface Progress {
  tick(result: TenantResult): void;
  note(message: string): void;
  stop(): void;
}

/**
 * A progress bar on a terminal; on anything else (CI logs, pipes) one line per retry and nothing
 * per tenant, so logs of 10,000 tenants stay readable.
 */
export function startProgress(total: number): Progress {
  if (!process.stderr.isTTY) {
    return { tick() {}, note: (m) => process.stderr.write(m + '\n'), stop() {} };
  }
  const bars = new cliProgress.MultiBar(
    { format: 'applying [{bar}] {value}/{total} tenants  {failed} failed  {eta_formatted} left', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let failed = 0;
  const bar = bars.create(total, 0, { failed });
  return {
    tick(result) {
      if (result.status !== 'applied' && result.status !== 'in-sync') failed++;
      bar.increment(1, { failed });
    },
    note(message) {
      bars.log(message + '\n');
    },
    stop() {
      bars.stop();
    },
  };
}
