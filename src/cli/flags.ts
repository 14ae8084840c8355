/**
 * Flag types shared by commands: durations and endpoint lists, parsed and validated by oclif
 * at parse time so a bad value is a usage error (exit 2) before anything runs.
 */
import { Flags } from '@oclif/core';
import { memberIdProblem, parseEndpoints } from '../common/addresses.js';
import type { Consistency } from '../client/index.js';
import { parseDuration, parseLeaseTtl, parsePositiveDuration, parseTimerDuration } from '../common/durations.js';

/** A duration flag (`250ms`, `5s`, `2m`) whose value is milliseconds. */
export const durationFlag = Flags.custom<number>({
  parse: async (input) => parseDuration(input),
  helpValue: '<duration>',
});

/** A duration flag that must be above zero (deadlines): `--timeout 0s` would fail every call at once. */
export const positiveDurationFlag = Flags.custom<number>({
  // oclif puts the flag's name before the message.
  parse: async (input) => parsePositiveDuration(input),
  helpValue: '<duration>',
});

/** A lease's time to live (`--ttl 30` is 30 s, as etcdctl's; `30s`, `5m` too), between 1 s and 24 h. */
export const leaseTtlFlag = Flags.custom<number>({
  parse: async (input) => parseLeaseTtl(input),
  helpValue: '<seconds|duration>',
});

/** A deadline (`--timeout`): above zero and no longer than a timer can wait, or it would fire at once. */
export const timeoutFlag = Flags.custom<number>({
  parse: async (input) => parseTimerDuration(input),
  helpValue: '<duration>',
});

/** A wait that may be zero (a grace period before SIGKILL), no longer than a timer can hold. */
export const waitFlag = Flags.custom<number>({
  parse: async (input) => parseTimerDuration(input, { zeroOk: true }),
  helpValue: '<duration>',
});

/** An endpoint list flag (`host:port,…`). */
export const endpointsFlag = Flags.custom<string[]>({
  parse: async (input) => parseEndpoints(input),
  helpValue: '<host:port,…>',
});

/** A positive integer flag for page sizes and limits. */
export const limitFlag = Flags.integer({ min: 1, max: 100_000, helpValue: '<n>' });

/** `--consistency` as users write it; `serializable` is bounded by nothing but what the member has applied. */
export function parseConsistency(input: string): Consistency {
  if (input === 'linearizable') return 'linearizable';
  if (input === 'serializable') return { maxStalenessMs: Number.MAX_SAFE_INTEGER };
  const minIndex = /^min-index:(\d+)$/.exec(input);
  if (minIndex) return { minIndex: Number(minIndex[1]) };
  const staleness = /^max-staleness:(.+)$/.exec(input);
  if (staleness) return { maxStalenessMs: parsePositiveDuration(staleness[1]!) };
  throw new Error(`expected linearizable, serializable, min-index:N or max-staleness:DURATION, got '${input}'`);
}

/**
 * How fresh a read must be: `linearizable` (the default: confirmed through the leader),
 * `serializable` (any member, from what it has applied), `min-index:N` (any member once it has
 * applied N: read your writes), `max-staleness:5s` (any member that heard from a leader within it).
 */
export const consistencyFlag = Flags.custom<Consistency>({
  parse: async (input) => parseConsistency(input),
  helpValue: 'linearizable|serializable|min-index:N|max-staleness:DURATION',
  description: 'how fresh the read must be; other than linearizable, the member you reach serves it (see --json: servedBy, appliedIndex)',
});

/** What `--request-id` accepts: a name the registry takes as part of a session id. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;

/** `--request-id` as users write it, or a one-line reason why not. */
export function parseRequestId(input: string): string {
  if (!REQUEST_ID.test(input)) throw new Error(`expected up to 200 letters, digits and . _ : / @ - (starting with a letter or digit), got '${input}'`);
  return input;
}

/**
 * Names a write so that running the same command again (a shell retry after a timeout) applies
 * it at most once: the ID becomes the write's session (client id `req-ID`, seq 1), which the
 * registry remembers for an hour of idleness (see README: Retrying writes).
 */
export const requestIdFlag = Flags.custom<string>({
  parse: async (input) => parseRequestId(input),
  helpValue: '<id>',
  description: 'apply this write at most once under this ID: a re-run with the same ID applies nothing and answers the first run\'s result (alreadyApplied in --json); remembered for an hour of idleness',
});

/**
 * A member's `--id` where it becomes a path (a data dir's files, its log): letters, digits,
 * `.`, `-` and `_`, so no id reaches outside the directory (`--id ../../evil` was accepted).
 */
export const memberIdFlag = Flags.custom<string>({
  parse: async (input) => {
    const problem = memberIdProblem(input);
    if (problem !== undefined) throw new Error(problem);
    return input;
  },
  helpValue: '<id>',
});
