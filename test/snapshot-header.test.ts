import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readSnapshotHeader, writeSnapshotYaml, yamlScalar } from '../src/snapshot/snapshot-file.js';

const names = [
  'acme', 'tenant_00001', '_x', 'Tenant_A', 'a1', 'true', 'True', 'NULL', 'yes', 'No', 'on', 'y', 'null_x', '123', '1e3', '0x1f',
  '.inf', '-', 'a-b', 'a.b', 'sha256:0123abcd', '20261202-abc', 'has space', "it's", 'say "hi"', 'a: b', '#c', '[x]', '{y}',
  '*ref', '&anchor', '!tag', '%p', '@at', '`bt`', 'ünïcode', 'tab\there', 'line\nbreak', ' lead', 'trail ', '', '~',
];

describe('snapshot header', () => {
  it('writes each value as the YAML library would, and reads back the same value', () => {
    for (const value of names) {
      const line = `tenant: ${yamlScalar(value)}\n`;
      expect(parse(line), JSON.stringify(value)).toEqual({ tenant: value });
      if (!value.includes('\n')) expect(line, JSON.stringify(value)).toBe(stringify({ tenant: value }, { lineWidth: 0 }));
    }
  });

  it('round-trips the header of a snapshot file', () => {
    for (const tenant of names.filter((n) => n !== '')) {
      const text = writeSnapshotYaml({ tenant, fingerprint: 'sha256:ab12', planId: '20261202-0001', schema: { tables: [], enums: [], sequences: [] } });
      expect(readSnapshotHeader(text, 'x.yaml')).toEqual({ tenant, fingerprint: 'sha256:ab12', planId: '20261202-0001' });
    }
  });
});
