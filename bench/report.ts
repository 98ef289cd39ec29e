export interface Row {
  readonly name: string;
  readonly seconds: number;
  /** Every run's seconds; `seconds` is their median. */
  readonly runs: readonly number[];
  /** The row this one is a ratio of, by name; absent for baselines. */
  readonly baseline?: string;
  /** The ratio this one should stay within, when there is one. */
  readonly aim?: number;
}

export interface ReportRow extends Row {
  readonly ratio?: number;
  readonly met?: boolean;
  readonly tenantsPerSecond: number;
}

export interface Report {
  readonly tenants: number;
  readonly repeat: number;
  readonly server: string;
  readonly rows: readonly ReportRow[];
  readonly breakdown?: readonly { readonly phase: string; readonly seconds: number }[];
}

export function buildReport(meta: Omit<Report, 'rows'>, rows: readonly Row[]): Report {
  const bySeconds = new Map(rows.map((r) => [r.name, r.seconds]));
  return {
    ...meta,
    rows: rows.map((row) => {
      const base = row.baseline === undefined ? undefined : bySeconds.get(row.baseline);
      const ratio = base === undefined || base === 0 ? undefined : row.seconds / base;
      return {
        ...row,
        ...(ratio !== undefined && { ratio }),
        ...(ratio !== undefined && row.aim !== undefined && { met: ratio <= row.aim }),
        tenantsPerSecond: meta.tenants / row.seconds,
      };
    }),
  };
}

/** Whether every measurement with an aim met it. */
export function aimsMet(report: Report): boolean {
  return report.rows.every((r) => r.met !== false);
}

export function formatReport(report: Report): string {
  const spread = report.repeat > 1;
  const header = ['measurement', 'seconds', ...(spread ? ['runs (min-max)'] : []), 'tenants/s', 'ratio', 'vs', 'aim'];
  const lines = report.rows.map((r) => [
    r.name,
    r.seconds.toFixed(3),
    ...(spread ? [`${Math.min(...r.runs).toFixed(3)}-${Math.max(...r.runs).toFixed(3)}`] : []),
    r.tenantsPerSecond.toFixed(0),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`,
    r.baseline ?? '(baseline)',
    r.aim === undefined ? '' : `≤ ${r.aim}x ${r.met ? '✓' : '✗'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const numeric = new Set(spread ? [1, 2, 3, 4] : [1, 2, 3]);
  const render = (cells: readonly string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join('  ').trimEnd();
  const out = [
    `${report.tenants} tenants, median of ${report.repeat} run${report.repeat === 1 ? '' : 's'}, ${report.server}`,
    '',
    render(header),
    render(widths.map((w) => '-'.repeat(w))),
    ...lines.map(render),
  ];
  if (report.breakdown && report.breakdown.length > 0) {
    const width = Math.max(...report.breakdown.map((b) => b.phase.length));
    out.push('', 'inside audit (one extra run, each phase timed on its own):');
    for (const b of report.breakdown) out.push(`  ${b.phase.padEnd(width)}  ${b.seconds.toFixed(3)}s`);
  }
  return out.join('\n');
}
