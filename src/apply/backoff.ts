/** The delay before retry number `attempt` (1-based): exponential from `baseMs`, with jitter. */
export function backoff(attempt: number, baseMs: number): number {
  const exp = baseMs * 2 ** (attempt - 1);
  return exp + Math.floor(Math.random() * baseMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
