/**
 * What every invariant test asserts: running the planted bug throws InvariantError naming the
 * invariant it breaks (so a test fails if the check is removed, or if another one trips first).
 */
import { expect } from 'vitest';
import { InvariantError } from '../../../src/core/invariant.js';

/** `run` throws the InvariantError named `invariant`. */
export function expectInvariant(run: () => unknown, invariant: string): InvariantError {
  let thrown: unknown;
  try {
    run();
  } catch (err) {
    thrown = err;
  }
  return expectBroken(thrown, invariant);
}

/** `run` rejects (or throws) with the InvariantError named `invariant`. */
export async function expectInvariantAsync(run: () => Promise<unknown>, invariant: string): Promise<InvariantError> {
  let thrown: unknown;
  try {
    await run();
  } catch (err) {
    thrown = err;
  }
  return expectBroken(thrown, invariant);
}

/** `thrown` is the InvariantError named `invariant`, its message naming it too. */
export function expectBroken(thrown: unknown, invariant: string): InvariantError {
  expect(thrown, `invariant ${invariant} was not checked`).toBeInstanceOf(InvariantError);
  const err = thrown as InvariantError;
  expect(err.invariant).toBe(invariant);
  expect(err.message).toMatch(new RegExp(`^invariant ${invariant} broken: `));
  return err;
}
