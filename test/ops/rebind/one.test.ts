import { describe, expect, it } from 'vitest';
import { CliError } from '../../../src/common/errors.js';
import { rebindOne } from '../../../src/ops/rebind/index.js';
import { registryWith } from './fixtures.js';

function setup() {
  const r = registryWith({ s1: { capacity: 10, bound: 2 }, s2: { capacity: 10, bound: 0 }, s3: { capacity: 1, bound: 1 } });
  r.shard('s4', 10, 'draining');
  return r;
}

async function refusal(p: Promise<unknown>): Promise<CliError> {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CliError);
  return err as CliError;
}

describe('rebind CLUSTER --to', () => {
  it('moves a cluster from where it is, bumping its generation', async () => {
    const r = setup();
    const res = await rebindOne(r, 'c-000000', 's2');
    expect(res).toMatchObject({ cluster: 'c-000000', from: 's1', to: 's2', generation: 2, changed: true });
    expect(res.index).toBe(r.index);
    expect(await rebindOne(r, 'c-000000', 's2')).toMatchObject({ changed: false, index: null, generation: 2 });
  });

  it('exits 4 on a stale --from, naming the actual shard', async () => {
    const r = setup();
    const err = await refusal(rebindOne(r, 'c-000001', 's2', { from: 's3' }));
    expect(err).toMatchObject({ exitCode: 4, code: 'CAS_FAILED', message: 'cluster "c-000001" is on "s1", not on "s3"', details: { currentShard: 's1' } });
    expect(err.hint).toBe('to move it from there: fleet rebind c-000001 --to s2 --from s1');
  });

  it('refuses a draining or full target unless forced', async () => {
    const r = setup();
    const draining = await refusal(rebindOne(r, 'c-000000', 's4'));
    expect(draining).toMatchObject({ exitCode: 4, hint: 'pass --force to move it there anyway' });
    expect(draining.message).toMatch(/shard "s4" is draining/);
    expect((await refusal(rebindOne(r, 'c-000000', 's3'))).message).toMatch(/shard "s3" is at capacity/);
    expect(await rebindOne(r, 'c-000000', 's4', { force: true })).toMatchObject({ to: 's4', changed: true });
  });

  it('says so when the cluster does not exist, or --from equals --to', async () => {
    const r = setup();
    expect(await refusal(rebindOne(r, 'nope', 's2'))).toMatchObject({ exitCode: 9, code: 'NOT_FOUND' });
    expect(await refusal(rebindOne(r, 'c-000000', 's2', { from: 's2' }))).toMatchObject({ exitCode: 2 });
  });
});
