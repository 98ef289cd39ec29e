// node --import tsx bench/explain-inspect.ts --database NAME [--tenants N] [--spread]
//
// How each catalog query of the inspector runs on a fleet: reads one chunk of tenants exactly as
// audit does (inspectSchemas) with auto_explain reporting every query's plan to this session,
// and prints per query its rows, time, buffers and any Seq Scan. Run it on a kept fleet of 1,000
// and of 10,000 tenants (npm run bench -- --tenants N --database NAME): a query that reads only
// its chunk's rows through indexes shows the same buffers on both, and no Seq Scan of a catalog
// that grows with the fleet (a scan of a small catalog such as pg_am is harmless). Needs a role
// that may LOAD auto_explain (a superuser). Read-only.

import { parseArgs } from 'node:util';
import pg from 'pg';
import { inspectSchemas, listSchemas } from '../src/engines/postgres/internal/inspect.js';
import * as queries from '../src/engines/postgres/internal/queries.js';
import { catalogChunk } from './engines/postgres/catalog.js';
import { urlFor } from './engines/postgres/database.js';

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows': number;
  readonly 'Actual Loops': number;
  readonly 'Shared Hit Blocks': number;
  readonly 'Shared Read Blocks': number;
  readonly Plans?: readonly PlanNode[];
}

interface Explained {
  readonly 'Query Text': string;
  readonly Plan: PlanNode & { readonly 'Actual Total Time': number };
}

const { values } = parseArgs({
  options: { database: { type: 'string' }, tenants: { type: 'string' }, spread: { type: 'boolean' } },
  strict: true,
});
if (values.database === undefined) {
  process.stderr.write('usage: node --import tsx bench/explain-inspect.ts --database NAME [--tenants N] [--spread]\n');
  process.exit(2);
}
const size = Number(values.tenants ?? catalogChunk);

const client = new pg.Client({ connectionString: urlFor(values.database), application_name: 'schema-sync-bench' });
const explained: Explained[] = [];
client.on('notice', (notice) => {
  const text = notice.message ?? '';
  const json = text.slice(text.indexOf('{'));
  if (text.startsWith('duration:') && json.startsWith('{')) explained.push(JSON.parse(json) as Explained);
});
await client.connect();
try {
  const tenants = (await listSchemas(client)).filter((s) => s.startsWith('tenant_'));
  // --spread: every k-th tenant, so the chunk's objects lie across the whole catalog, as in a
  // fleet whose tenants and tables were made at different times.
  const step = values.spread ? Math.max(1, Math.floor(tenants.length / size)) : 1;
  const chunk = tenants.filter((_, i) => i % step === 0).slice(0, size);
  await client.query(
    [
      "LOAD 'auto_explain'",
      'SET auto_explain.log_min_duration = 0',
      'SET auto_explain.log_analyze = on',
      'SET auto_explain.log_buffers = on',
      "SET auto_explain.log_format = 'json'",
      "SET auto_explain.log_level = 'notice'",
    ].join(';'),
  );
  // Once to warm the caches as audit's repeated runs find them, then measured.
  await inspectSchemas(client, chunk);
  explained.length = 0;
  await inspectSchemas(client, chunk);

  const names = new Map<string, string>();
  for (const [name, value] of Object.entries(queries)) if (typeof value === 'string') names.set(value.trim(), name);
  process.stdout.write(`${chunk.length} of ${tenants.length} tenants${values.spread ? ', spread' : ''}\n\n`);
  process.stdout.write(`${'query'.padEnd(26)} ${'rows'.padStart(7)} ${'ms'.padStart(8)} ${'buffers'.padStart(9)}  seq scans (rows/loops)\n`);
  for (const { 'Query Text': text, Plan: plan } of explained) {
    const seqScans: string[] = [];
    const walk = (node: PlanNode): void => {
      if (node['Node Type'] === 'Seq Scan') seqScans.push(`${node['Relation Name']}(${node['Actual Rows']}/${node['Actual Loops']})`);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan);
    const name = names.get(text.trim()) ?? text.trim().replace(/\s+/g, ' ').slice(0, 26);
    const buffers = plan['Shared Hit Blocks'] + plan['Shared Read Blocks'];
    process.stdout.write(
      `${name.padEnd(26)} ${String(plan['Actual Rows']).padStart(7)} ${plan['Actual Total Time'].toFixed(1).padStart(8)} ${String(buffers).padStart(9)}  ${seqScans.join(' ')}\n`,
    );
  }
} finally {
  await client.end();
}
