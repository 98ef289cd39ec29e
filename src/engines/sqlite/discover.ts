// STUB: owned by the SQLite inspection helper; signatures are the contract.
import type { DiscoveredTenant, TenantSelector } from '../types.js';

/** Tenant files matching the pattern (a glob relative to baseDir) or the static list of paths. */
export function discoverSqliteFiles(selector: TenantSelector, baseDir: string): DiscoveredTenant[] {
  return [];
}

/** Where a new tenant's file goes: the pattern's directory and extension with the tenant's name. */
export function tenantFilePath(selector: TenantSelector, baseDir: string, name: string): string {
  return `${baseDir}/${name}.db`;
}
