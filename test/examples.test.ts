import { readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { loadEngine } from '../src/engines/index.js';
import { loadManifest, loadOverrides } from '../src/manifest/index.js';

const examplesDir = path.join(import.meta.dirname, '..', 'examples');
const examples = readdirSync(examplesDir).filter((d) => existsSync(path.join(examplesDir, d, 'schema-sync.yaml')));

describe('examples a user copies', () => {
  test('there are examples', () => {
    expect(examples.length).toBeGreaterThan(0);
  });
  test.each(examples)('%s: config, manifest and overrides are valid', async (example) => {
    const config = await loadConfig({ file: path.join(examplesDir, example, 'schema-sync.yaml'), env: {} });
    const manifest = await loadManifest(config.manifest, await loadEngine(config.engine));
    expect(manifest).toBeDefined();
    await loadOverrides(config.overrides);
  });
});
