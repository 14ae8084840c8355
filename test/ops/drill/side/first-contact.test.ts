import { describe, expect, it } from 'vitest';
import { FleetClientError, type ClusterView, type FleetClient } from '../../../../src/client/index.js';
import { checkAddress, checkName } from '../../../../src/common/registry/registry-validate.js';
import { monotonicClock, pause } from '../../../../src/ops/drill/clock.js';
import { checkFirstContact, createFirstContactWorkload, fleetContactClient, type ContactClient } from '../../../../src/ops/drill/side/first-contact.js';
import type { SideOp, SideVerdict } from '../../../../src/ops/drill/side/types.js';
import type { Outcome } from '../../../../src/ops/drill/types.js';

/** A contact that ended at `endMs`, as the workload records it. */
function contact(client: number, key: string, input: string, endMs: number, outcome: Outcome, output: string | null): SideOp {
  return { client, f: 'contact', key, input, output, outcome, startNs: (endMs - 0.5) * 1e6, endNs: endMs * 1e6, ...(outcome === 'ok' ? {} : { error: outcome === 'fail' ? 'refused' : 'timeout' }) };
}

describe('checkFirstContact', () => {
  it('passes when every answer names the same shard', () => {
    const ops = [
      contact(0, 'c1', 's0', 1, 'ok', 's0'),
      contact(1, 'c1', 's1', 2, 'fail', 's0'),
      contact(2, 'c1', 's0', 3, 'ok', 's0'),
      // A refusal that names no bound shard (say, a full shard) won nothing.
      contact(0, 'c2', 's2', 4, 'fail', null),
    ];
    const result = checkFirstContact(ops, new Map([['c1', 's0'], ['c2', undefined]]));
    expect(result).toEqual({ ok: true, detail: '2 clusters contacted, 4 contacts, each bound to exactly one shard' });
  });

  it('reports two acknowledged winners with both operations, oldest first', () => {
    const first = contact(0, 'c1', 's0', 812, 'ok', 's0');
    const second = contact(1, 'c1', 's2', 830, 'ok', 's2');
    const result = checkFirstContact([second, first], new Map([['c1', 's2']]));
    expect(result.ok).toBe(false);
    expect(result.anomaly?.ops).toEqual([first, second]);
    expect(result.anomaly?.summary).toBe('two winners: c1 was answered bound to s0 at 812 ms and answered bound to s2 at 830 ms');
    expect(result.detail).toContain('1 of 1 contacted clusters broke first-contact-wins');
  });

  it('reports an ALREADY_BOUND refusal that names another shard than the acknowledged winner', () => {
    const winner = contact(0, 'c1', 's0', 10, 'ok', 's0');
    const refusal = contact(1, 'c1', 's0', 12, 'fail', 's1');
    const result = checkFirstContact([winner, refusal], new Map([['c1', 's0']]));
    expect(result.ok).toBe(false);
    expect(result.anomaly?.ops).toEqual([winner, refusal]);
    expect(result.anomaly?.summary).toContain('refused at 12 ms as already bound to s1');
  });

  it('reports a final read that disagrees with the answers', () => {
    const winner = contact(0, 'c1', 's0', 10, 'ok', 's0');
    const result = checkFirstContact([winner], new Map([['c1', 's1']]));
    expect(result.ok).toBe(false);
    expect(result.anomaly?.summary).toBe('two winners: c1 was answered bound to s0 at 10 ms and read back bound to s1 after the round');
    expect(result.anomaly?.ops.map((op) => [op.f, op.output])).toEqual([['contact', 's0'], ['read', 's1']]);
  });

  it('reports a lost binding: acknowledged, then unbound or unknown after the round', () => {
    const winner = contact(0, 'c1', 's0', 10, 'ok', 's0');
    const unbound = checkFirstContact([winner], new Map([['c1', null]]));
    expect(unbound.ok).toBe(false);
    expect(unbound.anomaly?.summary).toBe('lost binding: c1 was answered bound to s0 at 10 ms but read back unbound after the round');
    const unknown = checkFirstContact([winner], new Map());
    expect(unknown.anomaly?.summary).toContain('read back unknown to the registry');
  });

  it('lets a contact with an unknown outcome have won or not', () => {
    const infos = [contact(0, 'c1', 's1', 1, 'info', null), contact(1, 'c1', 's2', 2, 'info', null)];
    expect(checkFirstContact(infos, new Map([['c1', 's2']])).ok).toBe(true);
    expect(checkFirstContact(infos, new Map([['c1', null]])).ok).toBe(true);
    expect(checkFirstContact(infos, new Map([['c1', undefined]])).ok).toBe(true);
    const acknowledged = [...infos, contact(2, 'c1', 's1', 3, 'ok', 's1')];
    expect(checkFirstContact(acknowledged, new Map([['c1', 's1']])).ok).toBe(true);
  });

  it('reports a winner no contact named', () => {
    const result = checkFirstContact([contact(0, 'c1', 's1', 1, 'info', null)], new Map([['c1', 's0']]));
    expect(result.ok).toBe(false);
    expect(result.anomaly?.summary).toBe('c1 is bound to s0, which none of its 1 contacts named');
  });

  it('reports a contact acknowledged while bound to another shard', () => {
    const op = contact(0, 'c1', 's1', 5, 'ok', 's0');
    const result = checkFirstContact([op], new Map([['c1', 's0']]));
    expect(result.ok).toBe(false);
    expect(result.anomaly).toEqual({ summary: 'c1: a contact naming s1 was acknowledged at 5 ms as bound to s0, not refused', ops: [op] });
  });
});

/** An in-memory registry: its shards, its bindings, and who contacted what. */
class FakeRegistry {
  readonly shards = new Set<string>();
  readonly bindings = new Map<string, string>();
  /** The clients (by serial) that contacted each cluster. */
  readonly contactedBy = new Map<string, Set<number>>();
  readonly names: string[] = [];
  #serial = 0;

  constructor(private readonly lastWriterWins = false) {}

  /** A client of its own, as each workload client has. */
  newClient(): ContactClient {
    const serial = this.#serial++;
    return {
      registerShard: async (id) => {
        await interleave();
        this.names.push(id);
        this.shards.add(id);
      },
      contact: async (cluster, shard) => {
        await interleave();
        this.names.push(cluster);
        this.contactedBy.set(cluster, (this.contactedBy.get(cluster) ?? new Set()).add(serial));
        const answer = this.#contact(cluster, shard);
        // The answer travels back while others contact.
        await interleave();
        return answer;
      },
      boundShard: async (cluster) => {
        await interleave();
        return this.contactedBy.has(cluster) ? (this.bindings.get(cluster) ?? null) : undefined;
      },
      removeCluster: async (cluster) => void this.bindings.delete(cluster),
      removeShard: async (id) => {
        this.shards.delete(id);
        for (const [cluster, shard] of this.bindings) if (shard === id) this.bindings.delete(cluster);
      },
      close: () => undefined,
    };
  }

  /** First contact wins (or, planted bug, the last one does). */
  #contact(cluster: string, shard: string): { shard: string } {
    if (!this.shards.has(shard)) throw new FleetClientError('not-found', `shard ${shard} not found`, { code: 'NOT_FOUND' });
    const current = this.bindings.get(cluster);
    if (current !== undefined && current !== shard && !this.lastWriterWins) {
      throw new FleetClientError('precondition', `cluster ${cluster} is already bound to shard ${current}`, { code: 'ALREADY_BOUND', details: { cluster, currentShard: current } });
    }
    this.bindings.set(cluster, shard);
    return { shard };
  }
}

/** A small random wait, so the clients' calls interleave. */
function interleave(): Promise<void> {
  return pause(Math.random() < 0.5 ? 0 : 1);
}

async function runRound(registry: FakeRegistry, prefix = 'drill-run-r1'): Promise<SideVerdict> {
  const workload = createFirstContactWorkload({ round: 1, clients: 4, clock: monotonicClock(), prefix, newClient: () => registry.newClient() });
  await workload.start();
  await pause(300);
  await workload.stop();
  const verdict = await workload.verify();
  await workload.cleanup();
  return verdict;
}

describe('the first-contact workload', () => {
  it('passes against a registry where the first contact wins, with races on each name', async () => {
    const registry = new FakeRegistry();
    const verdict = await runRound(registry);
    expect(verdict.check).toMatchObject({ name: 'first-contact', ok: true, severity: 'safety' });
    expect(verdict.acknowledged).toBeGreaterThan(0);
    expect(verdict.failed).toBeGreaterThan(0);
    expect(verdict.ops).toBe(verdict.acknowledged + verdict.failed + verdict.indeterminate);
    const raced = [...registry.contactedBy.values()].filter((clients) => clients.size > 1);
    expect(raced.length).toBeGreaterThan(0);
    // Cleanup removed the shards, and with them the bindings.
    expect(registry.shards.size).toBe(0);
    expect(registry.bindings.size).toBe(0);
  });

  it('reports two winners against a registry where the last contact wins', async () => {
    const verdict = await runRound(new FakeRegistry(true));
    expect(verdict.check).toMatchObject({ name: 'first-contact', ok: false, severity: 'safety' });
    expect(verdict.anomaly?.summary).toMatch(/^two winners: /);
    const [a, b] = verdict.anomaly?.ops ?? [];
    expect(a?.key).toBe(b?.key);
    expect(a?.output).not.toBe(b?.output);
    expect(a!.endNs).toBeLessThanOrEqual(b!.endNs);
  });

  it('makes only valid registry names from any prefix', async () => {
    const registry = new FakeRegistry();
    const verdict = await runRound(registry, '#drill run/7 r1');
    expect(verdict.check.ok).toBe(true);
    expect(registry.names.length).toBeGreaterThan(3);
    for (const name of registry.names) expect(checkName(name, 'name')).toBe(name);
    expect(registry.names[0]).toBe('drill-run/7-r1-s0');
  });

  it('says so when the shards cannot be registered, and runs no contact', async () => {
    const registry = new FakeRegistry();
    const broken = (): ContactClient => ({
      ...registry.newClient(),
      registerShard: () => Promise.reject(new FleetClientError('unavailable', 'no quorum')),
    });
    const workload = createFirstContactWorkload({ round: 1, clients: 2, clock: monotonicClock(), prefix: 'p', newClient: broken }, { shards: 1 });
    await workload.start();
    await workload.stop();
    const verdict = await workload.verify();
    expect(verdict.check).toEqual({ name: 'first-contact', ok: false, severity: 'slo', detail: 'could not register the shards to contact: p-s0: no quorum' });
    expect(verdict.ops).toBe(0);
  }, 10_000);

  it('misses the SLO, without a verdict on safety, when the bindings cannot be read back', async () => {
    const registry = new FakeRegistry();
    let clients = 0;
    // The workload's two clients contact; the next one, the verifier's, cannot read.
    const newClient = (): ContactClient => ({
      ...registry.newClient(),
      ...(++clients > 3 ? { boundShard: () => Promise.reject(new FleetClientError('timeout', 'no answer')) } : {}),
    });
    const workload = createFirstContactWorkload({ round: 1, clients: 2, clock: monotonicClock(), prefix: 'p', newClient });
    await workload.start();
    await pause(50);
    await workload.stop();
    const verdict = await workload.verify();
    expect(verdict.check).toMatchObject({ name: 'first-contact', ok: false, severity: 'slo' });
    expect(verdict.check.detail).toMatch(/^could not read back the \d+ contacted clusters: p-c\d+: no answer$/);
  }, 10_000);
});

describe('fleetContactClient', () => {
  /** Records the calls a FleetClient would get and answers like the registry. */
  function stubClient(bound: Map<string, string | null>): { client: FleetClient; registered: { id: string; address: string; capacity: number }[] } {
    const registered: { id: string; address: string; capacity: number }[] = [];
    const view = (name: string, shard: string | null): ClusterView => ({ name, shard, generation: 1, boundAtIndex: 1, lastSeen: 0 });
    const stub = {
      registerShard: async (shard: { id: string; address: string; capacity: number }) => void registered.push(shard),
      contact: async (cluster: string, shard: string) => ({ cluster: view(cluster, shard), created: true, bound: true }),
      getCluster: async (name: string) => (bound.has(name) ? view(name, bound.get(name)!) : undefined),
    };
    // Only the methods the adapter calls are stubbed.
    return { client: stub as unknown as FleetClient, registered };
  }

  it('registers a shard with settings derived from its id alone: a valid, unique address', async () => {
    const { client, registered } = stubClient(new Map());
    const contacts = fleetContactClient(client);
    await contacts.registerShard('drill-run/1-r1-s0');
    await contacts.registerShard('drill-run/1-r1-s0');
    await contacts.registerShard('drill-run/1-r2-s0');
    const [first, again, other] = registered;
    expect(checkAddress(first!.address, 'address')).toBe(first!.address);
    expect(again).toEqual(first);
    expect(other!.address).not.toBe(first!.address);
    expect(first!.capacity).toBeGreaterThanOrEqual(100_000);
  });

  it('answers the bound shard of a contact and of a read', async () => {
    const contacts = fleetContactClient(stubClient(new Map([['c1', 's0'], ['c2', null]])).client);
    expect(await contacts.contact('c3', 's1')).toEqual({ shard: 's1' });
    expect(await contacts.boundShard('c1')).toBe('s0');
    expect(await contacts.boundShard('c2')).toBeNull();
    expect(await contacts.boundShard('c9')).toBeUndefined();
  });
});
