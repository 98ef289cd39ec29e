import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import { UserError } from '../errors.js';
import type { DiscoveredTenant, TenantContext, TenantSelector } from '../domain/tenant.js';

/**
 * Tenant names become quoted identifiers, file names and plan placeholders' replacements.
 * Anything outside this set is refused at discovery rather than trusted to quoting.
 */
const safeTenantName = /^[A-Za-z0-9_][A-Za-z0-9_$-]{0,62}$/;

export interface RejectedTenant {
  readonly name: string;
  readonly reason: string;
}

export interface Discovery {
  readonly tenants: TenantContext[];
  readonly rejected: RejectedTenant[];
}

/** A target's name: it qualifies tenant names that clash across targets (`target.tenant`). */
export const safeTargetName = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,30}$/;

export function unsafeNameReason(name: string): string | undefined {
  if (safeTenantName.test(name)) return undefined;
  const dot = name.indexOf('.');
  if (dot > 0 && safeTargetName.test(name.slice(0, dot)) && safeTenantName.test(name.slice(dot + 1))) return undefined;
  if (name.length === 0) return 'empty name';
  if (Buffer.byteLength(name) > 63) return 'longer than 63 bytes';
  return 'contains characters other than letters, digits, _, $ and - (refused so it can never be mis-quoted)';
}

function matcher(globs: readonly string[] | undefined): (name: string) => boolean {
  if (!globs || globs.length === 0) return () => false;
  return picomatch(globs as string[], { dot: true });
}

/** Labels of a tenant: every label whose globs match its name. */
export function labelsFor(name: string, labels: TenantSelector['labels']): string[] {
  if (!labels) return [];
  return Object.keys(labels)
    .filter((label) => matcher(labels[label])(name))
    .sort();
}

/**
 * Applies the config's exclude and labels to what an engine discovered, refusing names that
 * cannot be quoted safely and those the engine refused (its system schemas). Sorted, so every run sees tenants in the same order.
 */
export function selectTenants(found: readonly DiscoveredTenant[], selector: TenantSelector): Discovery {
  const exclude = matcher(selector.exclude);
  const tenants: TenantContext[] = [];
  const rejected: RejectedTenant[] = [];
  const seen = new Set<string>();
  for (const tenant of [...found].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // A name qualified by its target still matches the globs written for the plain name.
    const names = tenant.localName !== undefined && tenant.localName !== tenant.name ? [tenant.name, tenant.localName] : [tenant.name];
    if (seen.has(tenant.name) || names.some(exclude)) continue;
    seen.add(tenant.name);
    const reason = tenant.refused ?? unsafeNameReason(tenant.localName ?? tenant.name) ?? unsafeNameReason(tenant.name);
    if (reason) {
      rejected.push({ name: tenant.name, reason });
      continue;
    }
    tenants.push({
      name: tenant.name,
      labels: [...new Set(names.flatMap((n) => labelsFor(n, selector.labels)))].sort(),
      ...(tenant.location !== undefined ? { location: tenant.location } : {}),
      ...(tenant.target !== undefined ? { target: tenant.target } : {}),
      ...(tenant.localName !== undefined && tenant.localName !== tenant.name ? { localName: tenant.localName } : {}),
    });
  }
  return { tenants, rejected };
}

export interface Shard {
  /** 1-based: this worker's part. */
  readonly index: number;
  readonly count: number;
}

export interface TenantFilter {
  /** --tenant: names or globs. */
  readonly tenants?: readonly string[];
  /** --label: the tenant has any of these labels. */
  readonly labels?: readonly string[];
  /** --shard i/n: only the tenants of part i of n. */
  readonly shard?: Shard;
}

/**
 * The part of n a tenant belongs to, from a stable hash of its name alone: every worker computes
 * the same partition with no coordinator, whatever order or subset of tenants it sees.
 */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/** Parses `i/n` (1 <= i <= n). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard ${text}: expected i/n with 1 <= i <= n, e.g. --shard 2/8`);
  }
  return { index, count };
}

/**
 * The refused names that --tenant, --label and --shard would have selected. A name refused
 * elsewhere in the database is no concern of a run narrowed to other tenants; a run over the
 * whole fleet (or a shard of it) still sees every refusal once.
 */
export function filterRejected(rejected: readonly RejectedTenant[], filter: TenantFilter, labels: TenantSelector['labels']): RejectedTenant[] {
  const selected = new Set(filterTenants(rejected.map((r) => ({ name: r.name, labels: labelsFor(r.name, labels) })), filter).map((t) => t.name));
  return rejected.filter((r) => selected.has(r.name));
}

/** Narrows tenants by --tenant, --label and --shard. */
export function filterTenants(tenants: readonly TenantContext[], filter: TenantFilter): TenantContext[] {
  const globs = filter.tenants && filter.tenants.length > 0 ? matcher(filter.tenants) : undefined;
  // A name is always its own match, even one that reads as a glob (`a[1]`, `x(y)`).
  const byName = globs && ((name: string) => globs(name) || filter.tenants!.includes(name));
  const labels = filter.labels && filter.labels.length > 0 ? new Set(filter.labels) : undefined;
  const shard = filter.shard;
  return tenants.filter(
    (t) =>
      (!byName || byName(t.name) || (t.localName !== undefined && byName(t.localName))) &&
      (!labels || t.labels.some((l) => labels.has(l))) &&
      (!shard || shardOf(t.name, shard.count) === shard.index),
  );
}
