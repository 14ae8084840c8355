/**
 * The library's connect() against a real member that requires a token: every way of naming a
 * cluster (the current context, FLEET_CONTEXT, a named context, explicit endpoints, FLEET_ENDPOINTS
 * with FLEET_TOKEN), that a context's token never goes to endpoints given without it, and every
 * kind of bad input as a FleetClientError with its code. The resolution itself is the CLI's
 * (test/cli/target.test.ts tests its precedence).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, FleetClientError, ContextStore, type ConnectOptions } from '../../src/index.js';
import { TestCluster } from './cluster.js';
import { freePort, tempDir } from './processes.js';

const TOKEN = 'connect-test-token';
let cluster: TestCluster;
const dir = tempDir('fleet-connect-');
const configDir = join(dir.path, 'config');
let dead: string;

beforeAll(async () => {
  cluster = await TestCluster.start({ size: 1, token: TOKEN });
  dead = `127.0.0.1:${await freePort()}`;
  writeFileSync(join(dir.path, 'token'), `${TOKEN}\n`);
  const store = new ContextStore({ dir: configDir });
  await store.put('prod', { endpoints: cluster.endpoints, tokenFile: join(dir.path, 'token') });
  await store.put('gone', { endpoints: [dead] });
  await store.put('etcd', { endpoints: [dead], engine: 'etcd' });
  await store.use('gone');
});
afterAll(async () => {
  await cluster?.destroy();
  dir.cleanup();
});

/** Connects with only the environment given (none of the machine's FLEET_*), writes once and closes. */
async function writeThrough(opts: ConnectOptions): Promise<number> {
  const client = await connect({ configDir, env: {}, callTimeoutMs: 2_000, overallTimeoutMs: 4_000, ...opts });
  try {
    return (await client.kvPut('connect', 'yes', { ns: 'test' })).index;
  } finally {
    client.close();
  }
}

async function failure(p: Promise<unknown>): Promise<FleetClientError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FleetClientError);
  return err as FleetClientError;
}

describe('connect()', () => {
  it('finds the cluster by a named context, FLEET_CONTEXT, or explicit endpoints with a token', async () => {
    expect(await writeThrough({ context: 'prod' })).toBeGreaterThan(0);
    expect(await writeThrough({ env: { FLEET_CONTEXT: 'prod' } })).toBeGreaterThan(0);
    // The contexts of FLEET_CONFIG_DIR in the environment given, as the CLI finds them.
    expect(await writeThrough({ configDir: undefined, env: { FLEET_CONFIG_DIR: configDir, FLEET_CONTEXT: 'prod' } })).toBeGreaterThan(0);
    expect(await writeThrough({ endpoints: cluster.endpoints, token: TOKEN })).toBeGreaterThan(0);
    expect(await writeThrough({ env: { FLEET_ENDPOINTS: cluster.endpoints.join(','), FLEET_TOKEN: TOKEN } })).toBeGreaterThan(0);
    // A context's credentials, sent to endpoints named beside it.
    expect(await writeThrough({ context: 'gone', endpoints: cluster.endpoints, token: TOKEN })).toBeGreaterThan(0);
    expect(await writeThrough({ context: 'prod', endpoints: cluster.endpoints })).toBeGreaterThan(0);
  });

  it('never sends a context token to endpoints given without that context', async () => {
    const err = await failure(writeThrough({ endpoints: cluster.endpoints }));
    expect(err.kind).toBe('unauthenticated');
    expect(err.retryable).toBe(false);
  });

  it('fails with UNREACHABLE, retryable, naming the context, when no member answers (the current context here)', async () => {
    const err = await failure(writeThrough({}));
    expect(err).toMatchObject({ code: 'UNREACHABLE', kind: 'unavailable', retryable: true });
    expect(err.message).toContain(`context "gone" (${dead})`);
  });

  it('refuses bad input with a code that says what was wrong', async () => {
    expect(await failure(writeThrough({ context: 'nope' }))).toMatchObject({ code: 'UNKNOWN_CONTEXT', kind: 'invalid', retryable: false });
    expect((await failure(writeThrough({ context: 'nope' }))).message).toMatch(/no context named "nope" .*known: etcd, gone, prod/);
    expect(await failure(writeThrough({ configDir: join(dir.path, 'empty') }))).toMatchObject({ code: 'NO_TARGET' });
    expect(await failure(writeThrough({ env: { FLEET_ENDPOINTS: 'nope' } }))).toMatchObject({ code: 'BAD_TARGET' });
    expect(await failure(writeThrough({ endpoints: ['no-port'] }))).toMatchObject({ code: 'BAD_TARGET' });
    const etcd = await failure(writeThrough({ context: 'etcd' }));
    expect(etcd).toMatchObject({ code: 'UNSUPPORTED_ENGINE', kind: 'invalid' });
    expect(etcd.message).toMatch(/context "etcd" is a cluster that speaks etcd's v3 API.*use an etcd client/);
    const broken = join(dir.path, 'broken');
    await new ContextStore({ dir: broken }).put('x', { endpoints: cluster.endpoints });
    writeFileSync(join(broken, 'contexts.yaml'), 'contexts: [1, 2]\n');
    const bad = await failure(writeThrough({ configDir: broken, context: 'x' }));
    expect(bad.code).toBe('BAD_CONTEXT');
    expect(bad.message).toContain(join(broken, 'contexts.yaml'));
  });

  it('with verify: false, connects without asking and fails at the first call instead', async () => {
    const client = await connect({ endpoints: [dead], env: {}, verify: false, callTimeoutMs: 1_000, overallTimeoutMs: 2_000 });
    try {
      const err = await failure(client.kvGet('x'));
      expect(err.retryable).toBe(true);
    } finally {
      client.close();
    }
  });
});
