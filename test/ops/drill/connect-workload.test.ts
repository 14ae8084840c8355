import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from '../../../src/common/errors.js';
import { connectDrill } from '../../../src/ops/drill/index.js';

describe('connectDrill: --workload', () => {
  it('refuses fleet\'s KV workload on an etcd cluster, as a usage error naming the choice', async () => {
    const refused = await connectDrill({ endpoints: ['127.0.0.1:1'], engine: 'etcd', workload: 'kv' }, 1_000).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(CliError);
    expect((refused as CliError).exitCode).toBe(EXIT.usage);
    expect((refused as CliError).message).toMatch(/--workload kv needs fleet members/);
  });
});
