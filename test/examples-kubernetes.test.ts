import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/load-config.js';
import { parseDuration } from '../src/config/duration.js';
import { ReconcileMetrics } from '../src/reconcile/metrics.js';
import { parseShard } from '../src/tenants/select-tenants.js';

const dir = path.join(import.meta.dirname, '..', 'examples', 'kubernetes');

// Manifests are free-form nested data; the assertions below are what checks their shape.
type Doc = any;

function documents(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: empty`);
  for (const doc of docs) expect(doc.errors, file).toEqual([]);
  return docs.map((d) => d.toJS());
}

function only(file: string, kind: string): Doc {
  const found = documents(file).filter((d) => d.kind === kind);
  expect(found, `${file}: one ${kind}`).toHaveLength(1);
  return found[0];
}

/** The reconcile container's command as one line, whether exec form or a shell wrapper. */
function commandLine(podSpec: Doc): string {
  const container = podSpec.containers.find((c: Doc) => c.name === 'reconcile');
  expect(container, 'a container named reconcile').toBeDefined();
  return [...(container.command ?? []), ...(container.args ?? [])].join(' ');
}

/** The flags of the reconcile contract; the examples must use no others. */
const reconcileFlags = new Set(['--interval', '--policy', '--metrics-port', '--shard', '--label', '--json', '--config']);

function expectReconcile(line: string): void {
  expect(line).toMatch(/\bschema-sync reconcile\b/);
  const flags = line.match(/(?<=\s)--[a-z-]+/g) ?? [];
  for (const flag of flags) expect(reconcileFlags, `${flag} in: ${line}`).toContain(flag);
}

/** Facts every pod template shares: secret env, config volume, init checkout, non-root, limits. */
function expectPodBasics(podSpec: Doc, configMapName: string): void {
  const container = podSpec.containers.find((c: Doc) => c.name === 'reconcile');
  const env = container.env.find((e: Doc) => e.name === 'SCHEMA_SYNC_DATABASE_URL');
  expect(env.valueFrom.secretKeyRef).toEqual({ name: 'schema-sync', key: 'database-url' });
  expect(container.resources.limits.cpu).toBeDefined();
  expect(container.resources.limits.memory).toBeDefined();
  expect(podSpec.securityContext.runAsNonRoot).toBe(true);
  expect(podSpec.securityContext.runAsUser).toBeGreaterThan(0);
  for (const c of [...podSpec.initContainers, ...podSpec.containers]) {
    expect(c.securityContext.allowPrivilegeEscalation, c.name).toBe(false);
  }
  const checkout = podSpec.initContainers.find((c: Doc) => c.name === 'checkout');
  expect(checkout.command.join(' ')).toMatch(/git clone .*"\$GIT_URL" \/work\/repo/);
  expect(commandLine(podSpec)).toContain('--config /work/repo/schema-sync.cluster.yaml');
  expect(checkout.command.join(' ')).toContain('/work/repo/schema-sync.cluster.yaml');
  const volume = podSpec.volumes.find((v: Doc) => v.configMap);
  expect(volume.configMap.name).toBe(configMapName);
}

const configMap = only('configmap.yaml', 'ConfigMap');
const configText: string = configMap.data['schema-sync.yaml'];
const rawConfig: Doc = parse(configText);
const statementTimeoutSeconds = parseDuration(rawConfig.apply.statementTimeout) / 1000;

describe('examples/kubernetes', () => {
  const temp = mkdtempSync(path.join(tmpdir(), 'schema-sync-k8s-'));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  test('the ConfigMap holds a valid config whose reconcile keys are the documented ones', async () => {
    const raw = rawConfig;
    expect(Object.keys(raw.reconcile).sort()).toEqual(['maxFailuresPerWave', 'policy', 'ref', 'reports', 'waves']);
    expect(['report', 'plan', 'apply-safe']).toContain(raw.reconcile.policy);
    expect(raw.url, 'the URL comes from the Secret').toBeUndefined();
    for (const wave of raw.reconcile.waves) expect(Object.keys(raw.tenants.labels)).toContain(wave);

    // Until the config schema knows `reconcile:`, check the rest of the file against it.
    const schema = JSON.parse(readFileSync(path.join(import.meta.dirname, '..', 'schemas', 'config.schema.json'), 'utf8'));
    const { reconcile: _reconcile, ...rest } = raw;
    const file = path.join(temp, 'schema-sync.cluster.yaml');
    writeFileSync(file, schema.properties.reconcile ? configText : JSON.stringify(rest));
    const config = await loadConfig({ file, env: { SCHEMA_SYNC_DATABASE_URL: 'postgres://u@db/app' } });
    expect(config.snapshotStore).toBe('database');
  });

  test('cronjob.yaml: one pass every 15 minutes, never two at once', () => {
    const cron = only('cronjob.yaml', 'CronJob');
    expect(cron.spec.schedule).toBe('*/15 * * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    const line = commandLine(pod);
    expectReconcile(line);
    expect(line).toContain('--json');
    expect(line, 'one pass, not a loop').not.toContain('--interval');
    expectPodBasics(pod, configMap.metadata.name);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(statementTimeoutSeconds);
  });

  test('indexed-job.yaml: completions = parallelism = n of --shard i/n, and the wrapper yields 1/n..n/n', () => {
    const job = only('indexed-job.yaml', 'Job');
    expect(job.spec.completionMode).toBe('Indexed');
    const pod = job.spec.template.spec;
    const line = commandLine(pod);
    expectReconcile(line);
    expectPodBasics(pod, configMap.metadata.name);
    const n = Number(/--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/(\d+)"/.exec(line)?.[1]);
    expect(n).toBeGreaterThan(1);
    expect(job.spec.completions).toBe(n);
    expect(job.spec.parallelism).toBe(n);

    // Run the real shell wrapper with a stand-in schema-sync that prints its arguments.
    const bin = path.join(temp, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'schema-sync'), '#!/bin/sh\necho "$@"\n');
    chmodSync(path.join(bin, 'schema-sync'), 0o755);
    const [shell, flag, script] = pod.containers.find((c: Doc) => c.name === 'reconcile').command;
    const shards = Array.from({ length: n }, (_, index) => {
      const out = execFileSync(shell, [flag, script], {
        env: { PATH: `${bin}:${process.env['PATH'] ?? ''}`, JOB_COMPLETION_INDEX: String(index) },
        encoding: 'utf8',
      });
      return /--shard (\S+)/.exec(out)?.[1] ?? '';
    });
    expect(shards.map((s) => parseShard(s))).toEqual(
      Array.from({ length: n }, (_, i) => ({ index: i + 1, count: n })),
    );
  });

  test('deployment.yaml: one loop with metrics, scraped through a Service, time to finish a tenant', () => {
    const deployment = only('deployment.yaml', 'Deployment');
    const service = only('deployment.yaml', 'Service');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    const line = commandLine(pod);
    expectReconcile(line);
    expect(line).toContain('--interval 5m');
    const port = Number(/--metrics-port (\d+)/.exec(line)?.[1]);
    expect(port).toBe(9464);
    expectPodBasics(pod, configMap.metadata.name);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(statementTimeoutSeconds);

    const container = pod.containers.find((c: Doc) => c.name === 'reconcile');
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: port });
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const annotations of [deployment.spec.template.metadata.annotations, service.metadata.annotations]) {
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });
    }
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(service.spec.ports).toContainEqual({ name: 'metrics', port, targetPort: 'metrics' });
  });

  test('the README names every metric ReconcileMetrics exports', async () => {
    const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
    const names = (await new ReconcileMetrics().registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).toHaveLength(9);
    for (const name of names) expect(readme).toContain(`\`${name}`);
  });

  test('the Dockerfile installs with npm ci and puts schema-sync on PATH as a non-root user', () => {
    const dockerfile = readFileSync(path.join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/PATH=\/app\/node_modules\/\.bin:/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
