/**
 * Flag types shared by commands: durations and endpoint lists, parsed and validated by oclif
 * at parse time so a bad value is a usage error (exit 2) before anything runs.
 */
import { Flags } from '@oclif/core';
import { parseEndpoints } from '../common/addresses.js';
import { parseDuration, parsePositiveDuration } from '../common/durations.js';

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

/** An endpoint list flag (`host:port,…`). */
export const endpointsFlag = Flags.custom<string[]>({
  parse: async (input) => parseEndpoints(input),
  helpValue: '<host:port,…>',
});

/** A positive integer flag for page sizes and limits. */
export const limitFlag = Flags.integer({ min: 1, max: 100_000, helpValue: '<n>' });
