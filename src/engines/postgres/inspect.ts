import type { ReadSettings } from '../../domain/settings.js';
import type { TenantContext } from '../../domain/tenant.js';
import type { InspectOutcome } from '../types.js';
import type pg from 'pg';
import { COMPARED_KINDS, GRANTS_KIND, inspectOutcomes, readIsolating } from './internal/inspect.js';

/** What the inspector reads, in words (DatabaseAdapter.comparedKinds). */
export function comparedKinds(settings: ReadSettings): readonly string[] {
  return settings.grants === true ? [...COMPARED_KINDS, GRANTS_KIND] : COMPARED_KINDS;
}

/** The inspector: whole chunks of schemas per catalog query. */
export function inspectTenants(tenants: readonly TenantContext[], withClient: <T>(fn: (client: pg.ClientBase) => Promise<T>) => Promise<T>, settings: ReadSettings): Promise<Map<string, InspectOutcome>> {
  return inspectOutcomes(tenants, (chunk) => withClient((c) => readIsolating(c, chunk, undefined, settings)));
}
