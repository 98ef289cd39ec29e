import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/canonical-json.js';
import type { Manifest, Override } from './spec.js';

/**
 * sha256 (hex) of the desired state's content: the manifest and the overrides, by file name, in
 * the order they apply. Comments, formatting and file locations do not change it.
 */
export function manifestDigest(manifest: Manifest, overrides: readonly Override[] = []): string {
  const state = {
    manifest: manifest.content,
    overrides: overrides.map((override) => ({ name: override.name, content: override.content })),
  };
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}
