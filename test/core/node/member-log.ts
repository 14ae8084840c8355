/**
 * Members applying a log a test writes: registry commands and etcd writes, numbered as the log
 * would number them, each applied on every member in turn (steps run to the end).
 */
import { encodeEtcdEntry } from '../../../src/core/app-format.js';
import type { EtcdRequest } from '../../../src/core/etcd-store/replica.js';
import { encodeEtcdRequestBinary } from '../../../src/core/etcd-store/request-codec.js';
import { encodeCommand, type Command } from '../../../src/core/fleet/index.js';
import { MemberState } from '../../../src/core/node/state/member-state.js';
import type { EntryOutcome, MachineImage } from '../../../src/core/node/node-types.js';
import { fakeRuntime } from './fake-runtime.js';

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

export async function member(image?: Uint8Array): Promise<MemberState> {
  return MemberState.recover(image === undefined ? ({} as never) : ({ snapshot: { data: async () => image } } as never), { rt: fakeRuntime().rt, logger: quiet, sectionedImages: () => true });
}

/** Applies registry commands and etcd puts as the log would, numbering the entries. */
export class Log {
  index = 0;
  /** The leader's stamp on the next entries (its lease clock, ms). */
  time = 1_000;
  constructor(readonly members: MemberState[]) {}

  registry(op: Command): unknown {
    const data = encodeCommand({ clientId: '', seq: 0, firstIncomplete: 0, time: this.time, op });
    return this.apply(data);
  }

  etcdPut(key: string, value: string): unknown {
    return this.etcd({ type: 'txn', txn: { success: [{ put: { key: Buffer.from(key), value: Buffer.from(value) } }] } });
  }

  /** An etcd write stamped with `time`. */
  etcd(op: EtcdRequest['op']): unknown {
    return this.apply(encodeEtcdEntry(encodeEtcdRequestBinary({ at: this.time, op }), true));
  }

  clusterVersion(dataFormat: number, expected: string | null): string {
    const value = JSON.stringify({ version: '1.0.0', dataFormat });
    this.registry({ type: 'kv.cas', ns: 'fleet.system', key: 'cluster-version', expected, value });
    return value;
  }

  etcdAlarm(action: 'activate' | 'deactivate'): unknown {
    return this.etcd({ type: 'alarm', action, alarm: { member: 'n1', alarm: 'NOSPACE' } });
  }

  private apply(data: Uint8Array): unknown {
    this.index++;
    let answer: unknown;
    for (const m of this.members) {
      const outcome = m.apply({ index: this.index, term: 1, type: 'normal', data } as never);
      let r: EntryOutcome;
      if ('steps' in outcome) {
        let step = outcome.steps.next();
        while (step.done !== true) step = outcome.steps.next();
        r = step.value;
      } else r = outcome;
      if (r.stop !== undefined) throw r.stop;
      answer = r.answer;
    }
    return answer;
  }
}

export function written(image: MachineImage): Buffer {
  const chunks: { bytes: Uint8Array; offset: number }[] = [];
  const write = (bytes: Uint8Array, offset: number) => void chunks.push({ bytes: Uint8Array.from(bytes), offset });
  for (const _ of image.steps(write)) void _;
  const out = Buffer.alloc(image.finish(write));
  for (const c of chunks) out.set(c.bytes, c.offset);
  return out;
}

