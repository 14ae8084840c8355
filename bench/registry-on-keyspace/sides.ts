/**
 * The two registries the probe compares, behind one shape: today's FleetStateMachine (commands
 * in envelopes, its binary image) and the keyspace prototype (one etcd txn per command, the
 * keyspace's JSON image). Each loads the same workload through its real apply path, writes its
 * image whole (begin + every step), restores from it, and answers a cluster's lookup.
 */
import { FleetStateMachine, encodeCommand, type ClusterView, type Command } from '../../src/core/fleet/index.js';
import { encodeEtcdRequest, EtcdReplica } from '../../src/core/etcd-store/replica.js';
import { KeyspaceRegistry, type Decision } from './keyspace-registry.js';
import { T0 } from './workload.js';

/** Entries applied in one timed run: encoded (or decided) ahead, so that the apply is timed alone. */
const APPLY_BATCH = 10_000;
/** The session's window, as a pipelined client keeps it. */
const IN_FLIGHT = 256;

/** What a load took: entries, the replicas' apply alone, and the proposer's share (deciding and encoding). */
export interface LoadFigures {
  entries: number;
  applyMs: number;
  proposeMs: number;
}

export interface Side {
  readonly name: 'registry' | 'keyspace';
  load(commands: Iterable<Command>): LoadFigures;
  /** Compacts what the load left behind that a member would not keep (the keyspace's history); answers ms, or null when nothing. */
  settle(): number | null;
  /** Writes the whole image: begin, then every step. */
  image(): Uint8Array;
  restore(image: Uint8Array): void;
  getCluster(name: string): ClusterView | undefined;
}

const now = (): number => performance.now();

/** Today's registry: envelopes of one pipelined client session, applied by FleetStateMachine.apply. */
export class RegistrySide implements Side {
  readonly name = 'registry';
  machine = new FleetStateMachine();
  #seq = 0;

  load(commands: Iterable<Command>): LoadFigures {
    const f: LoadFigures = { entries: 0, applyMs: 0, proposeMs: 0 };
    let batch: Uint8Array[] = [];
    const flush = (): void => {
      const t0 = now();
      for (const data of batch) {
        const r = this.machine.apply(this.machine.appliedIndex + 1, data);
        if (!r.ok) throw new Error(`entry refused: ${r.code} ${r.message}`);
      }
      f.applyMs += now() - t0;
      f.entries += batch.length;
      batch = [];
    };
    for (const op of commands) {
      const t0 = now();
      const seq = ++this.#seq;
      batch.push(encodeCommand({ clientId: 'probe', seq, firstIncomplete: Math.max(1, seq - IN_FLIGHT), time: T0 + seq, op }));
      f.proposeMs += now() - t0;
      if (batch.length === APPLY_BATCH) flush();
    }
    flush();
    return f;
  }

  settle(): null {
    return null;
  }

  image(): Uint8Array {
    const job = this.machine.beginSnapshot();
    const steps = job.steps();
    while (steps.next().done !== true);
    return job.image;
  }

  restore(image: Uint8Array): void {
    this.machine = FleetStateMachine.restore(image);
  }

  getCluster(name: string): ClusterView | undefined {
    return this.machine.getCluster(name);
  }
}

/**
 * The keyspace prototype: each command decided against the applied store (the leader's work, in
 * `proposeMs` with the encoding), then decoded and applied as one txn (every replica's, `applyMs`).
 * A decision depends on the one before it (bound counts), so each entry is applied before the next is decided.
 */
export class KeyspaceSide implements Side {
  readonly name = 'keyspace';
  registry = new KeyspaceRegistry();
  #seq = 0;

  load(commands: Iterable<Command>): LoadFigures {
    const f: LoadFigures = { entries: 0, applyMs: 0, proposeMs: 0 };
    const r = this.registry;
    for (const op of commands) {
      const t0 = now();
      const at = T0 + ++this.#seq;
      const decision: Decision =
        op.type === 'shard.register' ? r.decideRegister(op, at)
        : op.type === 'cluster.contact' ? r.decideContact(op, at)
        : op.type === 'cluster.rebindBatch' ? r.decideRebindBatch(op, at)
        : { ok: false, code: 'INVALID_ARGUMENT', message: `the prototype has no ${op.type}` };
      if (!decision.ok) throw new Error(`refused: ${decision.code} ${decision.message}`);
      const data = encodeEtcdRequest(decision.request);
      const t1 = now();
      const answer = r.applyEntry(data);
      const t2 = now();
      if (!answer.ok || answer.txn?.succeeded !== true) throw new Error(`txn did not commit: ${JSON.stringify(answer)}`);
      f.proposeMs += t1 - t0;
      f.applyMs += t2 - t1;
      f.entries++;
    }
    return f;
  }

  /** Compacts to the current revision, as a member's retention would: the bound counts' and the moved clusters' history go. */
  settle(): number {
    const t0 = now();
    const revision = this.registry.replica.store.revision;
    this.registry.replica.apply({ at: T0, op: { type: 'compact', revision } });
    return now() - t0;
  }

  image(): Uint8Array {
    const job = this.registry.replica.beginImage()!;
    const parts: Uint8Array[] = [];
    const steps = job.steps((bytes) => parts.push(bytes));
    while (steps.next().done !== true);
    return Buffer.concat(parts);
  }

  restore(image: Uint8Array): void {
    const replica = new EtcdReplica();
    replica.restore(image);
    this.registry = new KeyspaceRegistry(replica);
  }

  getCluster(name: string): ClusterView | undefined {
    return this.registry.getCluster(name);
  }
}
