// Writes oclif.manifest.json after the build: with it, oclif finds the commands without importing
// them all at start-up (every command module pulls in drivers and validators), so `--version`
// and `--help` load none, and a command loads only its own. Run by `npm run build`.
import { writeFileSync } from 'node:fs';
import { Plugin } from '@oclif/core';

const plugin = new Plugin({ root: process.cwd(), type: 'core', ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
writeFileSync('oclif.manifest.json', JSON.stringify(plugin.manifest, null, 2) + '\n');
