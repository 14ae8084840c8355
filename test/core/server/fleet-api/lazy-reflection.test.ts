import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addLazyReflection } from '../../../../src/core/server/fleet-api/lazy-reflection.js';
import { loadReflectionDefinition } from '../../../../src/proto/index.js';

/** A reflection client of `version`, from @grpc/reflection's own .proto files (as grpcurl would speak it). */
function reflectionClient(version: 'v1' | 'v1alpha', address: string): grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto', 'grpc', 'reflection', version);
  const pkg = grpc.loadPackageDefinition(loadSync(join(dir, 'reflection.proto'), { longs: String, enums: String, defaults: true, oneofs: true })) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => ReturnType<typeof reflectionClient> }> };
  };
  return new pkg.grpc.reflection[version]!.ServerReflection(address, grpc.credentials.createInsecure());
}

function ask(client: ReturnType<typeof reflectionClient>, request: object): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client.ServerReflectionInfo();
    call.once('data', (answer) => {
      resolve(answer);
      call.end();
    });
    call.once('error', reject);
    call.write(request);
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

async function serve(): Promise<{ address: string; builds: () => number }> {
  let builds = 0;
  const server = new grpc.Server();
  addLazyReflection(server, () => {
    builds++;
    return loadReflectionDefinition();
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  cleanups.push(() => server.forceShutdown());
  return { address: `127.0.0.1:${port}`, builds: () => builds };
}

describe('server reflection, built on first use', () => {
  it('builds nothing at start, then lists the services and describes them in both protocol versions', async () => {
    const { address, builds } = await serve();
    expect(builds()).toBe(0);
    for (const version of ['v1', 'v1alpha'] as const) {
      const client = reflectionClient(version, address);
      cleanups.push(() => client.close());
      const listed = await ask(client, { listServices: '' });
      const names = (listed.listServicesResponse as { service: { name: string }[] }).service.map((s) => s.name);
      expect(names, version).toEqual(expect.arrayContaining(['fleet.v1.Fleet', 'fleet.v1.Admin', 'fleet.v1.Peer', 'grpc.health.v1.Health']));
      const file = await ask(client, { fileContainingSymbol: 'fleet.v1.Fleet' });
      expect((file.fileDescriptorResponse as { fileDescriptorProto: Buffer[] }).fileDescriptorProto.length, version).toBeGreaterThan(0);
    }
    expect(builds()).toBe(1);
  });

  it('answers an unknown symbol with reflection\'s own error, not a failed call', async () => {
    const { address } = await serve();
    const client = reflectionClient('v1', address);
    cleanups.push(() => client.close());
    const answer = await ask(client, { fileContainingSymbol: 'no.such.Symbol' });
    expect((answer.errorResponse as { errorCode: number }).errorCode).toBe(grpc.status.NOT_FOUND);
  });
});
