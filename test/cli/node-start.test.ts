import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { NODE_START_FLAGS, planNodeStart, type NodeStartFlags } from '../../src/cli/node-start.js';

const base: NodeStartFlags = { id: 'n1', 'data-dir': '/tmp/n1', listen: '127.0.0.1:7781', peers: 'n1=127.0.0.1:7781,n2=127.0.0.1:7782' };

function refusal(flags: NodeStartFlags): string {
  try {
    planNodeStart(flags, '0.0.0');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('fleet node start flags', () => {
  it('turns flags into coordinator options, with the documented defaults', () => {
    const plan = planNodeStart(base, '1.2.3');
    expect(plan).toMatchObject({ id: 'n1', clusterName: 'fleet', heartbeatMs: 100, electionTimeoutMs: 1000, snapshotEvery: 10_000, enableDrills: false, version: '1.2.3' });
    expect([...plan.founders]).toEqual([['n1', '127.0.0.1:7781'], ['n2', '127.0.0.1:7782']]);
    expect(planNodeStart({ ...base, heartbeat: '50ms', 'election-timeout': '500ms', 'snapshot-every': '7', 'enable-drills': true }, 'v')).toMatchObject({ heartbeatMs: 50, electionTimeoutMs: 500, snapshotEvery: 7, enableDrills: true });
  });

  it('refuses what a member cannot run with, naming the flag', () => {
    expect(refusal({ id: 'n1', listen: '127.0.0.1:1' })).toMatch(/--data-dir/);
    expect(refusal({ ...base, peers: 'n2=127.0.0.1:7782' })).toMatch(/--peers must include this member/);
    expect(refusal({ ...base, join: true })).toMatch(/--join and --peers exclude each other/);
    expect(refusal({ ...base, heartbeat: '600ms' })).toMatch(/at least twice --heartbeat/);
    expect(refusal({ ...base, 'snapshot-every': '0' })).toMatch(/--snapshot-every/);
    expect(refusal({ ...base, listen: '10.0.0.1:7781', peers: 'n1=10.0.0.1:7781' })).toMatch(/beyond this machine/);
    expect(refusal({ ...base, 'tls-cert': '/c.pem' })).toMatch(/go together/);
    expect(refusal({ ...base, 'token-file': '/nonexistent/token' })).toMatch(/cannot read --token-file/);
  });

  it('declares every flag with a description', () => {
    for (const [name, spec] of Object.entries(NODE_START_FLAGS)) expect(spec.description.length, name).toBeGreaterThan(10);
  });
});
