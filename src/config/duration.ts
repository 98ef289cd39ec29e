const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `500ms`, `5s`, `5m`, `1h` into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration '${text}': expected a number and a unit, like 500ms, 5s, 5m or 1h`);
  return Math.round(Number(match[1]) * units[match[2]!]!);
}
