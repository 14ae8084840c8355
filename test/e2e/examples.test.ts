/**
 * The examples in examples/ run as a user runs them — `node --import tsx examples/<name>/index.ts`,
 * importing 'fleet' by the package's self-reference (package.json `exports`, so the build in
 * dist/) — against a real three-member cluster, and print what their doc comments promise.
 * Each must also end on its own once its client is closed (runProgram's deadline).
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from './cluster.js';
import { runProgram, tempDir } from './processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let cluster: TestCluster;
const config = tempDir('fleet-examples-config-');

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 3 });
});
afterAll(async () => {
  await cluster?.destroy();
  config.cleanup();
});

/** Runs one example against the cluster (found through FLEET_ENDPOINTS, as connect() finds it); no saved context can interfere. */
function runExample(name: string) {
  const env = { FLEET_ENDPOINTS: cluster.endpoints.join(','), FLEET_CONFIG_DIR: config.path, FLEET_CONTEXT: '', FLEET_TOKEN: '' };
  return runProgram(process.execPath, ['--import', 'tsx', `examples/${name}/index.ts`], { cwd: root, env, timeoutMs: 30_000 });
}

describe('examples', () => {
  it('control-plane: writes through the leader, reads its write on a follower by the write\'s index', async () => {
    const r = await runExample('control-plane');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [wrote, read, linear] = r.stdout.trim().split('\n');
    const index = Number(/at index (\d+) through the leader/.exec(wrote ?? '')?.[1]);
    expect(index).toBeGreaterThan(0);
    const served = /^read 5 from (n\d) at applied index (\d+) \(min index (\d+)\)$/.exec(read ?? '');
    expect(served, read).not.toBeNull();
    const leader = (await cluster.client().findLeader()).memberId;
    expect(served![1]).not.toBe(leader);
    expect(Number(served![2])).toBeGreaterThanOrEqual(index);
    expect(Number(served![3])).toBe(index);
    expect(linear).toBe('linearizable read: 5');
  });

  it('cluster-operator: first contact binds; a second shard is refused with ALREADY_BOUND naming the current one', async () => {
    const r = await runExample('cluster-operator');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'payments bound to shard-a (created true, generation 1)',
      'contact again: still shard-a (newly bound: false)',
      'refused: ALREADY_BOUND, payments is bound to shard-a (retryable false)',
    ]);
  });
});
