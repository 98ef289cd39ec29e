/** One problem in a manifest or override file. */
export interface ManifestIssue {
  /** The file path as it was given. */
  readonly file: string;
  /** 1-based line of the offending node; 0 when the problem concerns the whole file. */
  readonly line: number;
  /** 1-based column of the offending node; 0 when the problem concerns the whole file. */
  readonly column: number;
  /** Where in the document, e.g. `tables.customers.columns.email.type`; empty at the top. */
  readonly path: string;
  /** The path and what is wrong, e.g. `tables.customers.columns.email.type: expected a string`. */
  readonly message: string;
}

/** `schema/manifest.yaml:12:7: tables.customers.columns.email.type: expected a string` */
export function formatIssue(issue: ManifestIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}:${issue.column}` : issue.file;
  return `${where}: ${issue.message}`;
}

/**
 * A manifest or override that cannot be used: YAML syntax, JSON Schema or semantic problems,
 * each with file, line and column. The message prints one issue per line.
 */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  /** A usage or config error (DESIGN.md exit codes). */
  readonly exitCode = 2;
  readonly issues: readonly ManifestIssue[];

  constructor(issues: readonly ManifestIssue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join('\n'));
    this.issues = sorted;
  }
}

function sortIssues(issues: readonly ManifestIssue[]): ManifestIssue[] {
  const seen = new Set<string>();
  const unique: ManifestIssue[] = [];
  for (const issue of issues) {
    const key = formatIssue(issue);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(issue);
  }
  // Stable sort: issues at the same position keep the order they were found in.
  return unique.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** Renders a path such as ['tables', 'customers', 'uniques', 0] as `tables.customers.uniques[0]`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
