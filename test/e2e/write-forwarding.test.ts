/**
 * fleet.v1's unary Write sent to a follower, as a client behind one load-balanced address sends
 * it (issue 35): the follower forwards it to the leader with the caller's token and `user@host`,
 * and passes back the answer, a refusal with its registry answer included; a caller that prefers
 * the redirect gets NOT_LEADER with the hint, as before; a caller without a token is refused by
 * the follower itself. Raw gRPC calls, real members started here and stopped by pid in afterAll.
 */
import { Metadata, credentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFleetProto, METADATA } from '../../src/proto/index.js';
import { TestCluster } from './cluster.js';

const WRITER = 'writer-token-forwarding-0123456789';
const ADMIN = 'admin-token-forwarding-0123456789';
let fleet: TestCluster | undefined;

type FleetStub = Client & { Write(req: object, md: Metadata, cb: (err: ServiceError | null, res?: { index: string; kvPut?: { revision: string } }) => void): void };

function writeTo(port: number, req: object, md: Metadata): Promise<{ err?: ServiceError; res?: { index: string } }> {
  const Fleet = loadFleetProto().fleet.v1.Fleet as unknown as new (a: string, c: ReturnType<typeof credentials.createInsecure>) => FleetStub;
  const client = new Fleet(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.Write(req, md, (err, res) => {
      client.close();
      resolve(err ? { err } : { res: res! });
    });
  });
}

function metadata(token: string | undefined, extra: Record<string, string> = {}): Metadata {
  const md = new Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(extra)) md.set(k, v);
  return md;
}

describe('a write sent to a follower', () => {
  beforeAll(async () => {
    fleet = await TestCluster.start({ size: 3, token: WRITER, adminToken: ADMIN });
  }, 120_000);

  afterAll(async () => {
    await fleet?.destroy();
  });

  it('is forwarded to the leader and answered, refusals included; the redirect stays for callers that ask for it', async () => {
    const leader = await fleet!.waitForLeader();
    const follower = fleet!.members.find((m) => m.id !== leader)!;
    const admin = fleet!.client();

    const put = await writeTo(follower.port, { kvPut: { key: 'forwarded', value: 'yes' } }, metadata(WRITER, { [METADATA.actor]: 'ops@lb' }));
    expect(put.err, put.err?.details).toBeUndefined();
    expect(Number(put.res!.index)).toBeGreaterThan(0);
    expect((await admin.kvGet('forwarded'))?.value).toBe('yes');
    // The leader audits the caller, not the follower that forwarded it.
    const audit = await admin.audit();
    expect(audit.find((e) => e.op === 'kv.put' && e.args.key === 'forwarded'), JSON.stringify(audit)).toMatchObject({ who: 'token', client: 'ops@lb', outcome: 'ok' });

    // A refusal the leader makes comes back whole: the code, and the registry's answer in the metadata.
    const cas = await writeTo(follower.port, { kvCas: { key: 'forwarded', expected: 'no', value: 'x' } }, metadata(WRITER));
    expect(cas.err?.metadata.get(METADATA.errorCode)).toEqual(['CAS_FAILED']);
    expect(cas.err?.metadata.get(METADATA.writeResponse)).toHaveLength(1);

    const redirected = await writeTo(follower.port, { kvPut: { key: 'redirected', value: 'no' } }, metadata(WRITER, { 'fleet-prefer-redirect': '1' }));
    expect(redirected.err?.metadata.get(METADATA.leaderId)).toEqual([leader]);
    expect(await admin.kvGet('redirected')).toBeUndefined();

    const anonymous = await writeTo(follower.port, { kvPut: { key: 'anonymous', value: 'no' } }, metadata(undefined));
    expect(anonymous.err?.code).toBe(16);
    expect(await admin.kvGet('anonymous')).toBeUndefined();
  }, 60_000);
});
