// npm run bench -- --tenants 1000 [--engine sqlite]
//
// The bench's entry: parses the arguments and runs the scenario. The fleet scenario (fleet.ts) is
// one sequence of measurements for every engine, with the engine's parts from its module under
// bench/engines/; online-validate is PostgreSQL's alone. The machine is shared and noisy, so only
// the ratios mean anything, and they are reported, never asserted in tests (DESIGN.md, bench/).

import { BenchUsageError, parseBenchArgs, usage } from './args.js';
import { Cleanup } from './cleanup.js';
import { benchEngines } from './engines/index.js';
import { runFleetBench } from './fleet.js';
import { formatOnlineReport, runOnlineValidateBench } from './online-validate.js';
import { Progress } from './progress.js';
import { aimsMet, formatReport } from './report.js';

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchUsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (args === 'help') {
    process.stdout.write(usage + '\n');
    return 0;
  }
  const progress = new Progress();
  const cleanup = new Cleanup();
  cleanup.onSignals();
  try {
    if (args.scenario === 'online-validate') {
      const report = await runOnlineValidateBench(args, progress, cleanup);
      process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : '\n' + formatOnlineReport(report) + '\n');
      return 0;
    }
    const report = await runFleetBench(await benchEngines[args.engine](), args, progress, cleanup);
    if (report === undefined) return 0;
    process.stdout.write(args.json ? JSON.stringify(report, null, 2) + '\n' : '\n' + formatReport(report) + '\n');
    if (!aimsMet(report)) progress.log('\nsome aims were missed (✗); the ratios are reported, never asserted');
    return 0;
  } catch (error) {
    if (cleanup.interrupted) return 130;
    process.stderr.write(`\nbench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    await cleanup.run();
  }
}

process.exitCode = await main();
