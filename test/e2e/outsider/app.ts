/**
 * A program a new user of 'fleet' writes: public imports only, type-checked strictly in a fresh
 * project where the packed tarball is installed (test/e2e/package.long.test.ts), then run against a
 * real cluster found through FLEET_ENDPOINTS. It prints one JSON document and must exit on its
 * own once its client is closed.
 */
import { connect, FleetClient, FleetClientError, type ConnectOptions, type KvEntry, type Written } from 'fleet';

/** The error a connect() that must fail rejects with. */
async function failureOf(opts: ConnectOptions): Promise<FleetClientError> {
  try {
    (await connect(opts)).close();
  } catch (err) {
    if (err instanceof FleetClientError) return err;
    throw err;
  }
  throw new Error(`connect(${JSON.stringify(opts)}) succeeded`);
}

function summary(err: FleetClientError): { code: string | undefined; kind: string; retryable: boolean; message: string } {
  return { code: err.code, kind: err.kind, retryable: err.retryable, message: err.message };
}

const client: FleetClient = await connect();
const put: Written<'kv.put'> = await client.kvPut('greeting', 'hello', { ns: 'outsider' });
const got: KvEntry | undefined = await client.kvGet('greeting', { ns: 'outsider', consistency: { minIndex: put.index } });
client.close();

const unknownContext = await failureOf({ context: 'nope' });
const unreachable = await failureOf({ endpoints: [process.env.FLEET_OUTSIDER_UNREACHABLE ?? '127.0.0.1:1'], callTimeoutMs: 2_000 });
// Only the entry points in `exports` can be imported; the rest of dist/ is the package's own business.
const deep = 'fleet/dist/client/index.js';
const deepImport = await import(deep).then(
  () => 'imported',
  (err: unknown) => (err as { code?: string }).code ?? String(err),
);

console.log(JSON.stringify({ index: put.index, value: got?.value, unknownContext: summary(unknownContext), unreachable: summary(unreachable), deepImport }));
