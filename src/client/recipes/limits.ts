/**
 * What the recipes accept, checked before anything is written: a name becomes part of a key, a
 * value is stored as it is, and the members refuse a request over 1.5 MiB. A refusal is
 * INVALID_ARGUMENT with the limit in its message.
 */
import { FleetClientError } from '../errors.js';

/** The longest name (a Mutex's, an Election's, a group's, a shard's or a session id), in UTF-8 bytes. */
export const MAX_NAME_BYTES = 512;
/** The largest value (an Election's proclamation, a member's metadata as JSON), in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 1 << 20;

/** Throws INVALID_ARGUMENT unless `name` is 1 to MAX_NAME_BYTES bytes of printable text. */
export function checkName(what: string, name: string): void {
  const size = Buffer.byteLength(name, 'utf8');
  // Control characters would make keys that print as something else (and NUL ends etcd's range arithmetic).
  if (size === 0 || size > MAX_NAME_BYTES || /\p{Cc}/u.test(name)) {
    throw new FleetClientError('invalid', `${what}: a name must be 1 to ${MAX_NAME_BYTES} bytes without control characters (got ${size} bytes)`, { code: 'INVALID_ARGUMENT' });
  }
}

/** Throws INVALID_ARGUMENT when `value` is over MAX_VALUE_BYTES. */
export function checkValue(what: string, value: string): void {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_VALUE_BYTES) {
    throw new FleetClientError('invalid', `${what}: a value must be at most ${MAX_VALUE_BYTES} bytes (got ${size})`, { code: 'INVALID_ARGUMENT' });
  }
}

/** The largest count a recipe takes (a Semaphore's permits, a DoubleBarrier's parties): each is a key a waiter may read. */
export const MAX_COUNT = 10_000;

/** Throws INVALID_ARGUMENT unless `count` is a whole number from 1 to MAX_COUNT. */
export function checkCount(what: string, count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new FleetClientError('invalid', `${what}: the count must be a whole number from 1 to ${MAX_COUNT} (got ${count})`, { code: 'INVALID_ARGUMENT' });
  }
}
