import { describe, expect, it } from 'vitest';
import { FleetClientError } from '../../../src/client/index.js';
import { errorLabel, writeOutcome } from '../../../src/ops/drill/register-client.js';

describe('recording a failed write', () => {
  it('is `fail` only for a definite refusal', () => {
    expect(writeOutcome(new FleetClientError('precondition', 'cas failed', { code: 'CAS_FAILED' }))).toBe('fail');
    expect(writeOutcome(new FleetClientError('invalid', 'bad key'))).toBe('fail');
    expect(errorLabel(new FleetClientError('precondition', 'cas failed', { code: 'CAS_FAILED' }))).toBe('refused');
  });

  it('is `info` when the write may have applied', () => {
    // NOT_LEADER on the last attempt says nothing about earlier attempts with the same seq.
    expect(writeOutcome(new FleetClientError('unavailable', 'not the leader', { notLeader: true }))).toBe('info');
    expect(writeOutcome(new FleetClientError('timeout', 'no answer'))).toBe('info');
    expect(writeOutcome(new FleetClientError('precondition', 'stale retry', { code: 'DUPLICATE_STALE' }))).toBe('info');
    expect(writeOutcome(new Error('boom'))).toBe('info');
    expect(errorLabel(new FleetClientError('timeout', 'no answer'))).toBe('timeout');
  });
});
