import type { TenantContext } from '../domain/tenant.js';

export interface Wave {
  /** The label of the wave, or `rest` for the tenants with none of the wave labels. */
  readonly name: string;
  readonly tenants: readonly TenantContext[];
}

/**
 * Splits tenants into rollout waves: one per label, in the configured order (canary first), each
 * tenant in the first wave whose label it has; the tenants with none of the labels come last.
 * Empty waves are left out. Pure and deterministic.
 */
export function rolloutWaves(tenants: readonly TenantContext[], labels: readonly string[]): Wave[] {
  const waves: Wave[] = [];
  const placed = new Set<string>();
  for (const label of labels) {
    const members = tenants.filter((t) => !placed.has(t.name) && t.labels.includes(label));
    for (const t of members) placed.add(t.name);
    if (members.length > 0) waves.push({ name: label, tenants: members });
  }
  const rest = tenants.filter((t) => !placed.has(t.name));
  if (rest.length > 0) waves.push({ name: 'rest', tenants: rest });
  return waves;
}
