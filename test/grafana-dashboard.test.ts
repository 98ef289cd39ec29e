import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { ReconcileMetrics } from '../src/reconcile/metrics.js';
import { serveMetrics, type MetricsServer } from '../src/reconcile/metrics-server.js';
import { recordPass, recordTenantApply } from '../src/reconcile/pass-metrics.js';
import { reconcilePass, type ReconcileStatus } from '../src/reconcile/reconcile-pass.js';
import { git, initRepo } from './helpers/git.js';

const examples = path.join(import.meta.dirname, '..', 'examples', 'grafana');
const dashboard = JSON.parse(readFileSync(path.join(examples, 'schema-sync-dashboard.json'), 'utf8'));
const alerts = parse(readFileSync(path.join(examples, 'schema-sync-alerts.yaml'), 'utf8'));

// Words of PromQL that are not series names, and the label lists that follow some of them.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/**
 * The series names a PromQL expression selects: identifiers that are not a function call, a
 * keyword, a label (inside {...} or a by/on list), a duration, a string or a Grafana variable.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\$\{[^}]*\}|\$\w+/g, '1')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const before = bare[m.index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // the exponent of 1e3, the unit of 5m
    if (bare.slice(m.index + m[0].length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Each `name{...}` selector with its equality matchers (label, value); regex matchers give no value. */
function selectors(expr: string): { name: string; label: string; value: string | undefined }[] {
  const found: { name: string; label: string; value: string | undefined }[] = [];
  for (const m of expr.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!=|!~|=)\s*"([^"]*)"/g)) {
      found.push({ name: m[1]!, label: l[1]!, value: l[2] === '=' ? l[3] : undefined });
    }
  }
  return found;
}

/** Every expression of the dashboard: panel targets and template variable queries. */
function dashboardExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels) {
    for (const t of panel.targets) out.push({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr });
  }
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const query: string = typeof variable.query === 'string' ? variable.query : variable.query.query;
    // label_values(<selector>, <label>): the selector is PromQL.
    const selector = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
    expect(selector, `variable ${variable.name}`).toBeDefined();
    out.push({ where: `variable ${variable.name}`, expr: selector! });
  }
  return out;
}

function alertExpressions(): { where: string; expr: string }[] {
  return alerts.groups.flatMap((g: { rules: { alert: string; expr: string }[] }) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: String(r.expr) })));
}

/** Series in a scrape: name -> the label sets of its samples. */
function seriesOf(text: string): Map<string, Record<string, string>[]> {
  const series = new Map<string, Record<string, string>[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    series.set(m[1]!, [...(series.get(m[1]!) ?? []), labels]);
  }
  return series;
}

// Labels Prometheus adds to every series of a target; schema-sync does not export them.
const TARGET_LABELS = new Set(['instance', 'job']);

let root: string;
let server: MetricsServer;
let status: ReconcileStatus;
let scrape: Map<string, Record<string, string>[]>;

beforeAll(async () => {
  // SQLite tenants in a git checkout, acme in the canary wave; globex's file is held by another
  // writer, so its apply in the rest wave fails.
  root = mkdtempSync(path.join(tmpdir(), 'schema-sync-grafana-'));
  mkdirSync(path.join(root, 'data'));
  mkdirSync(path.join(root, 'schema'));
  initRepo(root);
  writeFileSync(
    path.join(root, 'schema-sync.yaml'),
    stringify({
      engine: 'sqlite',
      tenants: { pattern: 'data/*.db', labels: { canary: ['acme'] } },
      apply: { retries: 0, busyTimeout: '100ms' },
      reconcile: { waves: ['canary'], maxFailuresPerWave: 5 },
    }),
  );
  writeFileSync(path.join(root, '.gitignore'), 'data/\nreports/\n');
  writeFileSync(path.join(root, 'schema', 'manifest.yaml'), stringify({ version: 1, tables: { accounts: { columns: { id: { type: 'integer', primaryKey: true } } } } }));
  git(root, 'add', '-A');
  git(root, 'commit', '--quiet', '-m', 'manifest');
  for (const t of ['acme', 'globex', 'initech']) new Database(path.join(root, 'data', `${t}.db`)).close();

  // As `reconcile --metrics-port` does: one registry, served, fed by the pass and its applies.
  const metrics = new ReconcileMetrics();
  server = await serveMetrics(metrics, { port: 0, host: '127.0.0.1' });
  const holder = new Database(path.join(root, 'data', 'globex.db'));
  holder.exec('BEGIN IMMEDIATE');
  try {
    status = await reconcilePass({
      load: { file: path.join(root, 'schema-sync.yaml') },
      filter: {},
      policy: 'apply-safe',
      onApplied: (result) => recordTenantApply(metrics, result),
    });
  } finally {
    holder.exec('ROLLBACK');
    holder.close();
  }
  recordPass(metrics, status);

  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(response.status).toBe(200);
  scrape = seriesOf(await response.text());
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('examples/grafana against the metrics endpoint', () => {
  test('the pass behind the scrape applied the canary and failed one tenant of the rest wave', () => {
    expect(status.apply?.waves).toEqual([
      { wave: 'canary', tenants: 1, applied: 1, failed: 0, notStarted: 0 },
      { wave: 'rest', tenants: 2, applied: 1, failed: 1, notStarted: 0 },
    ]);
    expect(status.outcome).toBe('failed');
    expect(scrape.get('schema_sync_wave_failures_total')).toEqual([{ wave: 'canary' }, { wave: 'rest' }]);
    expect(scrape.get('schema_sync_apply_duration_seconds_count')).toHaveLength(1);
  });

  test('the expression parser finds series names and nothing else', () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le) (rate(a_bucket{le="1", x=~"$v"}[5m] offset 1h))) / on(instance) group_left(wave) b_total * 1e3 > bool 2'),
    ).toEqual(['a_bucket', 'b_total']);
    expect(metricNames('time() - max without (job) (c_seconds) > 3 * 300')).toEqual(['c_seconds']);
    expect(metricNames('sum(increase(d_total[$__rate_interval])) and ${x}')).toEqual(['d_total']);
  });

  test.each([
    ['the dashboard', dashboardExpressions],
    ['the alert rules', alertExpressions],
  ])('every series that %s query is in the scrape, with the labels they match on', (_, expressions) => {
    const all = expressions();
    expect(all.length).toBeGreaterThan(0);
    for (const { where, expr } of all) {
      const names = metricNames(expr);
      expect(names.length, `${where}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(scrape.has(name), `${where} queries ${name}, which /metrics does not export`).toBe(true);
      for (const { name, label, value } of selectors(expr)) {
        if (TARGET_LABELS.has(label)) continue;
        const labelSets = scrape.get(name) ?? [];
        expect(labelSets.some((l) => label in l), `${where}: ${name} has no label ${label}`).toBe(true);
        if (value !== undefined) expect(labelSets.some((l) => l[label] === value), `${where}: no ${name}{${label}="${value}"}`).toBe(true);
      }
    }
  });

  test('the dashboard covers what it promises and imports as is', () => {
    const exprs = (title: string) => dashboard.panels.find((p: { title: string }) => p.title === title)?.targets.map((t: { expr: string }) => t.expr).join('\n') ?? '';
    expect(exprs('Tenants by state')).toMatch(/sum by \(state\) \(schema_sync_tenants\{/);
    expect(exprs('Drift count')).toContain('schema_sync_drifted_tenants');
    expect(dashboard.panels.find((p: { title: string }) => p.title === 'Apply duration (histogram)')?.type).toBe('heatmap');
    expect(exprs('Apply duration (histogram)')).toContain('schema_sync_apply_duration_seconds_bucket');
    expect(exprs('Failures by wave')).toMatch(/sum by \(wave\) \(increase\(schema_sync_wave_failures_total\{/);

    const ids = dashboard.panels.map((p: { id: number }) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every query goes through the datasource variable, so no import has to map a datasource uid.
    expect(dashboard.templating.list.find((v: { name: string }) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const panel of dashboard.panels) {
      for (const target of [panel, ...panel.targets]) expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
  });

  test('the alert rules: drift for 30 minutes, failed applies, no successful pass in 3 intervals', () => {
    const rules = Object.fromEntries(alerts.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => [r.alert, r])));
    expect(Object.keys(rules).sort()).toEqual(['SchemaSyncApplyFailed', 'SchemaSyncNoSuccessfulPass', 'SchemaSyncTenantsDrifted']);
    expect(rules.SchemaSyncTenantsDrifted).toMatchObject({ expr: 'schema_sync_drifted_tenants > 0', for: '30m' });
    expect(rules.SchemaSyncApplyFailed.expr).toMatch(/^increase\(schema_sync_apply_failures_total\[\w+\]\) > 0$/);
    expect(rules.SchemaSyncNoSuccessfulPass.expr).toBe('time() - schema_sync_last_success_timestamp_seconds > 3 * 300');
    for (const rule of Object.values(rules) as { labels: { severity: string }; annotations: { summary: string } }[]) {
      expect(rule.labels.severity).toMatch(/^(warning|critical)$/);
      expect(rule.annotations.summary).not.toBe('');
    }
  });
});
