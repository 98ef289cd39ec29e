/** Wall time of `fn` in seconds, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { seconds: (performance.now() - started) / 1000, value };
}

/** The median: one slow run on a shared machine does not move it the way it moves a mean. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs of every measurement, by name, in the order they were first recorded. */
export class Samples {
  private readonly runs = new Map<string, number[]>();

  add(name: string, seconds: number): void {
    const list = this.runs.get(name);
    if (list) list.push(seconds);
    else this.runs.set(name, [seconds]);
  }

  median(name: string): number {
    return median(this.runs.get(name) ?? []);
  }

  all(name: string): readonly number[] {
    return this.runs.get(name) ?? [];
  }

  names(): string[] {
    return [...this.runs.keys()];
  }
}
