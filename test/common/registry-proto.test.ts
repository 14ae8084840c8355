/**
 * The wire contract follows the declaration of the registry's writes: the checked-in
 * proto/fleet/v1/client.proto is what scripts/gen-registry-proto.ts writes from
 * src/common/registry/registry-operations.ts, and src/proto/generated is what `proto:gen` generates from
 * proto/. Either one stale fails here: run `npm run gen:proto`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGISTRY_OPERATIONS, messageName } from '../../src/common/registry/registry-operations.js';
import { REGIONS, renderRegions, renderRegistryProto } from '../../scripts/registry-proto.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CLIENT_PROTO = join(ROOT, 'proto/fleet/v1/client.proto');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('the registry part of client.proto', () => {
  it('is what the declaration renders (run `npm run gen:proto`)', () => {
    const source = readFileSync(CLIENT_PROTO, 'utf8');
    expect(renderRegistryProto(source)).toBe(source);
  });

  it('is rewritten from the declaration, not kept: a hand edit between the markers is undone', () => {
    const source = readFileSync(CLIENT_PROTO, 'utf8');
    const edited = source.replace('  uint64 not_seen_since_ms = 1;', '  uint64 not_seen_since_ms = 9;');
    expect(edited).not.toBe(source);
    expect(renderRegistryProto(edited)).toBe(source);
    expect(() => renderRegistryProto(source.replace(/\/\/ GENERATED END registry-results\n/, ''))).toThrow(/registry-results/);
  });

  it('has every declared write in both oneofs, with a message and a result message each', () => {
    const regions = renderRegions();
    expect(REGIONS.every((r) => regions[r].length > 0)).toBe(true);
    for (const [type, op] of Object.entries(REGISTRY_OPERATIONS)) {
      expect(regions['registry-commands']).toContain(`message ${messageName(type)} {`);
      expect(regions['registry-results']).toContain(`message ${messageName(type)}Result {`);
      expect(regions['registry-command-oneof']).toMatch(new RegExp(`^    ${messageName(type)} \\w+ = ${op.no};$`, 'm'));
      expect(regions['registry-result-oneof']).toMatch(new RegExp(`^    ${messageName(type)}Result \\w+ = ${op.no};$`, 'm'));
    }
  });
});

describe('src/proto/generated', () => {
  it('is what `proto:gen` generates from proto/ (run `npm run gen:proto`)', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['proto:gen']!;
    const command = script.split('&&').map((s) => s.trim()).find((s) => s.startsWith('proto-loader-gen-types'))!;
    const out = mkdtempSync(join(tmpdir(), 'fleet-proto-gen-'));
    try {
      const args = command.split(/\s+/).slice(1).map((a) => (a === 'src/proto/generated' ? out : a));
      execFileSync(join(ROOT, 'node_modules/.bin/proto-loader-gen-types'), args, { cwd: ROOT, stdio: 'pipe' });
      const checkedIn = join(ROOT, 'src/proto/generated');
      expect(files(out)).toEqual(files(checkedIn));
      for (const f of files(out)) expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(checkedIn, f), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
