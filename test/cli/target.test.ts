import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliError, reportOf } from '../../src/common/errors.js';
import { resolveTarget } from '../../src/cli/target.js';
import { ContextStore, readTokenFile } from '../../src/client/contexts.js';

let dir: string;
let store: ContextStore;
const opts = (env: NodeJS.ProcessEnv, admin = false) => ({ env, admin, store: async () => store, readToken: readTokenFile });

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-target-'));
  store = new ContextStore({ dir });
  writeFileSync(join(dir, 'client'), 'client-token\n');
  writeFileSync(join(dir, 'admin'), 'admin-token\n');
  await store.put('local', { endpoints: ['127.0.0.1:7781'], tokenFile: join(dir, 'client'), adminTokenFile: join(dir, 'admin'), local: { dataDir: '/d' } });
  await store.put('prod', { endpoints: ['10.0.0.1:7781'], cacert: '/ca.pem' });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resolveTarget', () => {
  it('uses the current context with its tokens', async () => {
    expect(await resolveTarget({}, opts({}))).toEqual({ engine: 'fleet', endpoints: ['127.0.0.1:7781'], token: 'client-token', source: 'context', context: 'local', local: { dataDir: '/d' } });
    expect((await resolveTarget({}, opts({}, true))).token).toBe('admin-token');
  });

  it('takes flags over the environment over the current context', async () => {
    const env = { FLEET_ENDPOINTS: '10.9.9.9:1,10.9.9.8:1', FLEET_CONTEXT: 'prod', FLEET_TOKEN: 'env-token' };
    expect(await resolveTarget({ endpoints: ['1.1.1.1:1'] }, opts(env))).toEqual({ engine: 'fleet', endpoints: ['1.1.1.1:1'], token: 'env-token', source: 'flag' });
    expect(await resolveTarget({}, opts(env))).toEqual({ engine: 'fleet', endpoints: ['10.9.9.9:1', '10.9.9.8:1'], token: 'env-token', source: 'env' });
    expect(await resolveTarget({ context: 'prod' }, opts(env))).toMatchObject({ endpoints: ['10.0.0.1:7781'], token: 'env-token', tls: { cacert: '/ca.pem' }, context: 'prod' });
    expect(await resolveTarget({}, opts({ FLEET_CONTEXT: 'prod' }))).toMatchObject({ context: 'prod' });
    expect(await resolveTarget({ context: 'local', token: 'flag-token' }, opts(env))).toMatchObject({ token: 'flag-token' });
  });

  it("never sends a context's token to endpoints that are not its members", async () => {
    expect((await resolveTarget({ endpoints: ['1.1.1.1:1'] }, opts({}))).token).toBeUndefined();
    // One member of the current context's, one not: no token for either.
    expect((await resolveTarget({ endpoints: ['127.0.0.1:7781', '1.1.1.1:1'] }, opts({}))).token).toBeUndefined();
    expect((await resolveTarget({}, opts({ FLEET_ENDPOINTS: '1.1.1.1:1' }))).token).toBeUndefined();
  });

  it("gives endpoints that are the current context's members that context's credentials (--endpoints to read from one member)", async () => {
    expect(await resolveTarget({ endpoints: ['127.0.0.1:7781'] }, opts({}))).toEqual({ engine: 'fleet', endpoints: ['127.0.0.1:7781'], token: 'client-token', source: 'flag', context: 'local' });
    expect((await resolveTarget({ endpoints: ['127.0.0.1:7781'] }, opts({}, true))).token).toBe('admin-token');
    expect(await resolveTarget({}, opts({ FLEET_ENDPOINTS: '127.0.0.1:7781' }))).toMatchObject({ token: 'client-token', source: 'env', context: 'local' });
    // FLEET_CONTEXT names the context the endpoints are checked against; its TLS goes with them.
    expect(await resolveTarget({ endpoints: ['10.0.0.1:7781'] }, opts({ FLEET_CONTEXT: 'prod' }))).toMatchObject({ tls: { cacert: '/ca.pem' }, context: 'prod' });
    expect((await resolveTarget({ endpoints: ['127.0.0.1:7781'], token: 'flag-token' }, opts({}))).token).toBe('flag-token');
  });

  it('keeps the credentials of a context named with --context when --endpoints picks the members', async () => {
    const t = await resolveTarget({ context: 'local', endpoints: ['127.0.0.1:7782'] }, opts({}, true));
    expect(t).toEqual({ engine: 'fleet', endpoints: ['127.0.0.1:7782'], token: 'admin-token', source: 'flag', context: 'local' });
    expect(await resolveTarget({ context: 'prod', endpoints: ['10.0.0.2:7781'] }, opts({}))).toMatchObject({ endpoints: ['10.0.0.2:7781'], tls: { cacert: '/ca.pem' } });
    expect((await resolveTarget({ context: 'local', endpoints: ['127.0.0.1:7782'], token: 'flag-token' }, opts({}))).token).toBe('flag-token');
  });

  it('refuses an unknown context as a usage error (exit 2)', async () => {
    const err = await resolveTarget({ context: 'nope' }, opts({})).catch((e: unknown) => e);
    expect(reportOf(err)).toMatchObject({ exitCode: 2, code: 'USAGE' });
    expect(reportOf(err).message).toMatch(/no context named "nope".*known: local, prod/);
  });

  it('names the contexts there are when none is current, and how to pick one', async () => {
    await store.put('staging', { endpoints: ['10.0.0.2:7781'] });
    // Removing the current context (as fleet destroy does) leaves the others, none current.
    await store.remove('local');
    expect(await store.current()).toBeUndefined();
    const report = reportOf(await resolveTarget({}, opts({})).catch((e: unknown) => e));
    expect(report).toMatchObject({ exitCode: 2, code: 'NO_TARGET', hint: 'fleet context use <name> picks one of: prod, staging' });
    expect(report.message).toMatch(/^no cluster chosen/);
  });

  it('fails with a usage error when nothing names a cluster', async () => {
    await store.remove('local');
    await store.remove('prod');
    const err = await resolveTarget({}, opts({})).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    expect(reportOf(err).hint).toMatch(/^fleet init starts a local cluster/);
    await expect(resolveTarget({}, opts({ FLEET_ENDPOINTS: 'nope' }))).rejects.toThrow(/FLEET_ENDPOINTS: invalid endpoint "nope"/);
  });
});
