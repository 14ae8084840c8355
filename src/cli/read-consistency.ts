/**
 * What every registry read command does with `--consistency`: pass it to the client, note which
 * member served the read and at which applied index, and report both with `--json` (`servedBy`,
 * `appliedIndex`, as `kv get` does). One listing may take several reads (pages): the fields
 * then name the last one.
 */
import type { Consistency, ReadOptions, ServedRead } from '../client/index.js';

/** `servedBy` and `appliedIndex`, once a read was served (absent before, or from an etcd target). */
export interface ServedFields {
  readonly servedBy?: string;
  readonly appliedIndex?: number;
}

/** The read options of one command's reads, and where they were served. */
export class ServedReads {
  #served: ServedRead | undefined;

  constructor(readonly consistency: Consistency | undefined) {}

  /** Options to pass to each read of the command. */
  get options(): ReadOptions {
    return { ...(this.consistency === undefined ? {} : { consistency: this.consistency }), onServed: (s) => (this.#served = s) };
  }

  /** The fields `--json` adds: the member that served the last read and the index it had applied. */
  fields(): ServedFields {
    return this.#served === undefined ? {} : { servedBy: this.#served.member, appliedIndex: this.#served.appliedIndex };
  }
}
