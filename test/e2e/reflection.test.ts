/**
 * What generic tools see of a real member, as its bundle runs it (bin/run.js takes
 * dist/bundle/node-start while it is fresh, and the test setup builds it): server reflection
 * (grpcurl's `list` and `describe`) and the standard health service, over mutual TLS with a
 * token required. The bundle carries grpc-js and @grpc/reflection; a second grpc-js or a
 * misplaced .proto file would show here first.
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelCredentials, memberChannelOptions } from '../../src/client/transport/channel.js';
import type { TlsFiles } from '../../src/client/transport/tls.js';
import { loadFleetProto } from '../../src/proto/index.js';
import { TestCluster } from './cluster.js';

// bin/ is plain JavaScript, run as shipped: imported by path, typed here.
const { bundleIsFresh } = (await import(new URL('../../bin/bundle.js', import.meta.url).href)) as { bundleIsFresh(root: string, name: string): boolean };

type ReflectionClient = grpc.Client & { ServerReflectionInfo(meta: grpc.Metadata): grpc.ClientDuplexStream<object, Record<string, unknown>> };

/** A reflection client of `version`, from @grpc/reflection's own .proto files (as grpcurl would speak it). */
function reflectionClient(version: 'v1' | 'v1alpha', address: string): ReflectionClient {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', version);
  const pkg = grpc.loadPackageDefinition(loadSync(join(dir, 'reflection.proto'), { longs: String, enums: String, defaults: true, oneofs: true })) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (a: string, c: grpc.ChannelCredentials, o: grpc.ChannelOptions) => ReflectionClient }> };
  };
  return new pkg.grpc.reflection[version]!.ServerReflection(address, ...channel(address));
}

function ask(client: ReflectionClient, request: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo(new grpc.Metadata());
    call.once('data', (answer) => {
      resolve(answer);
      call.end();
    });
    call.once('error', reject);
    call.write(request);
  });
}

let cluster: TestCluster;
let tls: TlsFiles;
const clients: grpc.Client[] = [];

/** Credentials and options for a member at `address`, as fleet's client makes them: no IP as the TLS server name (Node's DEP0123), the certificate checked against the IP. */
function channel(address: string): [grpc.ChannelCredentials, grpc.ChannelOptions] {
  return [channelCredentials(tls, address), memberChannelOptions(address, tls)];
}

beforeAll(async () => {
  cluster = await TestCluster.start({ peerAuth: 'mtls', token: 'reflection-e2e-token' });
  const files = cluster.tls!;
  tls = { cacert: files.ca, cert: files.operator.cert, key: files.operator.key };
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await cluster?.destroy();
});

describe('a member as generic gRPC tools see it', () => {
  it('runs from the bundle', () => {
    expect(bundleIsFresh(fileURLToPath(new URL('../..', import.meta.url)), 'node-start')).toBe(true);
  });

  it('lists and describes its services through server reflection, in both protocol versions', async () => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const client = reflectionClient(version, cluster.endpoints[0]!);
      clients.push(client);
      const listed = await ask(client, { listServices: '' });
      const names = (listed.listServicesResponse as { service: { name: string }[] }).service.map((s) => s.name);
      expect(names, version).toEqual(expect.arrayContaining(['fleet.v1.Fleet', 'fleet.v1.Admin', 'fleet.v1.Peer', 'grpc.health.v1.Health']));
      const file = await ask(client, { fileContainingSymbol: 'fleet.v1.Fleet' });
      expect((file.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto.length, version).toBeGreaterThan(0);
    }
  });

  it('answers the health service: SERVING', async () => {
    const Health = loadFleetProto().grpc.health.v1.Health;
    for (const endpoint of cluster.endpoints) {
      const client = new Health(endpoint, ...channel(endpoint));
      clients.push(client);
      const answer = await new Promise<{ status?: string }>((resolve, reject) => client.Check({ service: '' }, (err, res) => (err ? reject(err) : resolve(res ?? {}))));
      expect(answer.status, endpoint).toBe('SERVING');
    }
  });

  it('still serves the cluster after reflection was built (writes through the client)', async () => {
    const put = await cluster.client().kvPut('after-reflection', 'ok');
    expect(put.index).toBeGreaterThan(0);
  });
});
