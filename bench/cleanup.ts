/**
 * Undo steps registered as resources are made, run once in reverse order: at the end of the
 * run, on an error, or on Ctrl-C / SIGTERM. Each step's failure is reported and the rest still run,
 * so a failed pool close never leaves the bench database behind.
 */
export class Cleanup {
  private readonly steps: { label: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | undefined;
  /** Set once a signal started the cleanup: errors of work cut short by it are expected. */
  interrupted = false;

  add(label: string, run: () => Promise<void>): void {
    this.steps.push({ label, run });
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of [...this.steps].reverse()) {
        try {
          await step.run();
        } catch (error) {
          process.stderr.write(`cleanup: ${step.label} failed: ${(error as Error).message}\n`);
        }
      }
    })();
    return this.running;
  }

  /** On a signal: clean up, then exit with 128 + the signal number as a shell would. */
  onSignals(): void {
    const handler = (signal: NodeJS.Signals, code: number) => {
      this.interrupted = true;
      process.stderr.write(`\n${signal}: cleaning up...\n`);
      // A second Ctrl-C while cleaning up exits at once.
      process.once(signal, () => process.exit(code));
      void this.run().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => handler('SIGINT', 130));
    process.once('SIGTERM', () => handler('SIGTERM', 143));
  }
}
