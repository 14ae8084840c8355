import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { endpointsOf, listManifests, readManifest, writeManifest, type ClusterManifest } from '../../../src/ops/local-cluster/manifest.js';
import { clusterPaths, clustersRoot, dataHome } from '../../../src/ops/local-cluster/paths.js';
import { writeSecretFile } from '../../../src/ops/local-cluster/secrets.js';

let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'fleet-manifest-'));
  return dir;
}

function manifest(name: string, root: string): ClusterManifest {
  return {
    version: 1, name, created: '2026-01-01T00:00:00.000Z', basePort: 7781, dataDir: join(root, name), heartbeat: '100ms', electionTimeout: '500ms',
    members: [1, 2, 3].map((i) => ({ id: `n${i}`, port: 7780 + i, dataDir: join(root, name, `n${i}`), state: 'voter' as const })),
    nextMember: 4,
  };
}

describe('the cluster manifest', () => {
  it('round-trips, replacing the file atomically and leaving no temp file', async () => {
    const root = tmp();
    const paths = clusterPaths(root, 'local');
    mkdirSync(paths.home, { recursive: true });
    const m = manifest('local', root);
    await writeManifest(paths.manifest, m);
    expect(await readManifest(paths.manifest)).toEqual(m);
    const grown = { ...m, members: [...m.members, { id: 'n4', port: 7784, dataDir: join(root, 'local', 'n4'), state: 'joining' as const }], nextMember: 5 };
    await writeManifest(paths.manifest, grown);
    expect(await readManifest(paths.manifest)).toEqual(grown);
    expect(readdirSync(paths.home)).toEqual(['cluster.json']);
    expect(endpointsOf(grown)).toEqual(['127.0.0.1:7781', '127.0.0.1:7782', '127.0.0.1:7783', '127.0.0.1:7784']);
  });

  it('answers undefined for a missing manifest and a one-line error for a broken one', async () => {
    const root = tmp();
    expect(await readManifest(join(root, 'nope.json'))).toBeUndefined();
    const file = join(root, 'cluster.json');
    writeFileSync(file, '{ not json');
    await expect(readManifest(file)).rejects.toThrow(/is not valid JSON/);
    const dup = manifest('x', root);
    writeFileSync(file, JSON.stringify({ ...dup, members: [dup.members[0], { ...dup.members[1], port: dup.members[0]!.port }] }));
    await expect(readManifest(file)).rejects.toThrow(CliError);
    await expect(readManifest(file)).rejects.toThrow(/repeats an id or a port/);
    writeFileSync(file, JSON.stringify({ ...dup, version: 2 }));
    await expect(readManifest(file)).rejects.toThrow(/unknown version 2/);
  });

  it('lists the clusters that have a manifest, by name', async () => {
    const root = tmp();
    for (const name of ['beta', 'alpha']) {
      mkdirSync(join(root, name), { recursive: true });
      await writeManifest(clusterPaths(root, name).manifest, manifest(name, root));
    }
    mkdirSync(join(root, 'leftover-logs'), { recursive: true });
    expect((await listManifests(root)).map((m) => m.name)).toEqual(['alpha', 'beta']);
    expect(await listManifests(join(root, 'missing'))).toEqual([]);
  });
});

describe('where local clusters live', () => {
  it('uses $XDG_DATA_HOME when it is absolute, else ~/.local/share', () => {
    expect(clustersRoot({ XDG_DATA_HOME: '/xdg/data' })).toBe('/xdg/data/fleet/clusters');
    expect(dataHome({ XDG_DATA_HOME: 'relative/ignored' })).toMatch(/\.local\/share$/);
    expect(dataHome({})).toMatch(/\.local\/share$/);
  });
});

describe('tokens', () => {
  it('are written with mode 0600 and never overwritten', async () => {
    const root = tmp();
    const file = join(root, 'admin.token');
    const old = process.umask(0o000);
    try {
      await writeSecretFile(file, 'secret');
    } finally {
      process.umask(old);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await expect(writeSecretFile(file, 'other')).rejects.toThrow(/EEXIST/);
  });
});
