/**
 * The id of a coordinator cluster, fixed when it is founded and kept in each member's data dir
 * (`cluster-id`). Founders derive the same id independently, from what they are all started
 * with: the cluster's name, its founding members and the peer secret (so it cannot be guessed
 * from the name). A member that joined learns it from the first peer that speaks to it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { writePrivateFileSync } from '../../storage/index.js';
import { join } from 'node:path';
import type { ClusterIdentity } from './peer-transport.js';

const FILE = 'cluster-id';

/** The id founders of a cluster agree on without talking. */
export function foundingClusterId(clusterName: string, founders: ReadonlyMap<string, string>, secret: Buffer | undefined): string {
  const hash = createHash('sha256').update('fleet-cluster-id/v1\n').update(clusterName).update('\n');
  for (const id of [...founders.keys()].sort()) hash.update(`${id}=${founders.get(id)}\n`);
  if (secret) hash.update(secret);
  return hash.digest('hex').slice(0, 16);
}

/** The id kept in `dataDir`, or the founding id written there on a member's first start. */
export function openClusterIdentity(dataDir: string, founding: string | undefined): ClusterIdentity & { readonly path: string } {
  const path = join(dataDir, FILE);
  let id = read(path);
  const save = (value: string) => {
    writePrivateFileSync(`${path}.tmp`, `${value}\n`);
    renameSync(`${path}.tmp`, path);
    id = value;
  };
  if (id === undefined && founding !== undefined) save(founding);
  return {
    path,
    current: () => id,
    adopt: (value) => {
      if (id === undefined && /^[0-9a-f]{16}$/.test(value)) save(value);
    },
  };
}

function read(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
