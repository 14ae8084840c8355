import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const devBin = fileURLToPath(new URL('../../bin/dev.js', import.meta.url));

describe('fleet version', () => {
  it('prints one JSON document with --json', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', devBin, 'version', '--json'], { encoding: 'utf8' });
    const info = JSON.parse(out) as Record<string, string>;
    expect(info.protocol).toBe('fleet.v1');
    expect(info.node).toBe(process.version);
  });
});
