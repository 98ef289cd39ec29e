import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/canonical-json.js';
import type { Manifest, Override } from './spec.js';

/**
 * sha256 (hex) of the desired state's content: the manifest and the overrides, by file name, in
 * the order they apply. Comments, formatting and file locations of YAML do not change it; every
 * byte of a SQL manifest does.
 */
export function manifestDigest(manifest: Manifest, overrides: readonly Override[] = []): string {
  const state = {
    manifest: manifest.content,
    // A SQL manifest's texts in the order they run (not their paths, which depend on the working
    // directory); absent for YAML, so its digests stay as they were.
    ...(manifest.sql ? { sql: manifest.sql.map((source) => source.text) } : {}),
    overrides: overrides.map((override) => ({ name: override.name, content: override.content })),
  };
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}
