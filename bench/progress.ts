/**
 * Progress on stderr, so `--json` keeps stdout to the results. On a terminal one line updates in
 * place; otherwise (CI logs) a line every tenth of the way.
 */
export class Progress {
  private label = '';
  private total = 0;
  private count = 0;
  private started = 0;
  private lastTenth = -1;
  private readonly tty = process.stderr.isTTY === true;

  log(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.count = 0;
    this.lastTenth = -1;
    this.started = performance.now();
  }

  tick(n = 1): void {
    this.count += n;
    const line = `${this.label}: ${this.count}/${this.total} (${((performance.now() - this.started) / 1000).toFixed(1)}s)`;
    if (this.tty) {
      process.stderr.write(`\r${line}`);
      return;
    }
    const tenth = Math.floor((this.count / Math.max(1, this.total)) * 10);
    if (tenth !== this.lastTenth) {
      this.lastTenth = tenth;
      process.stderr.write(`${line}\n`);
    }
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
