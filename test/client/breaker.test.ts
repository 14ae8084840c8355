import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../src/common/breaker.js';
import { FleetClientError, exitCodeOf, kindOfStatus } from '../../src/client/errors.js';

describe('CircuitBreaker', () => {
  it('opens after N consecutive failures, lets one probe through after the cool-down, and closes on success', () => {
    const b = new CircuitBreaker({ failures: 2, coolDownMs: 100 });
    expect(b.allow(0)).toBe(true);
    b.failure(0);
    expect(b.state(0)).toBe('closed');
    b.failure(10);
    expect(b.state(10)).toBe('open');
    expect(b.allow(50)).toBe(false);
    expect(b.retryAt).toBe(110);
    expect(b.state(110)).toBe('half-open');
    expect(b.allow(110)).toBe(true);
    expect(b.allow(111)).toBe(false); // one probe at a time
    b.failure(120);
    expect(b.state(150)).toBe('open');
    expect(b.allow(220)).toBe(true);
    b.success();
    expect(b.state(220)).toBe('closed');
    expect(b.allow(220)).toBe(true);
  });

  it('remembers a failure until the endpoint answers, however long that takes', () => {
    const b = new CircuitBreaker();
    expect(b.silent).toBe(false);
    b.failure(100);
    expect(b.silent).toBe(true);
    b.failure(60_000);
    expect(b.silent).toBe(true);
    b.success();
    expect(b.silent).toBe(false);
  });

  it('resets the count on success', () => {
    const b = new CircuitBreaker({ failures: 2 });
    b.failure(0);
    b.success();
    b.failure(0);
    expect(b.state(0)).toBe('closed');
  });
});

describe('FleetClientError', () => {
  it('classifies gRPC codes and maps kinds to CLI exit codes', () => {
    expect(kindOfStatus(14)).toBe('unavailable');
    expect(kindOfStatus(4)).toBe('timeout');
    expect(kindOfStatus(9)).toBe('precondition');
    expect(kindOfStatus(3)).toBe('invalid');
    expect(kindOfStatus(16)).toBe('unauthenticated');
    expect(kindOfStatus(7)).toBe('permission-denied');
    expect(kindOfStatus(8)).toBe('exhausted');
    expect(kindOfStatus(13)).toBe('internal');
    expect(exitCodeOf(new FleetClientError('unavailable', 'x'))).toBe(3);
    expect(exitCodeOf(new FleetClientError('precondition', 'x'))).toBe(4);
    expect(exitCodeOf(new FleetClientError('invalid', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('x'))).toBe(1);
  });

  it('keeps its message on one line', () => {
    const err = new FleetClientError('internal', 'first\n  second');
    expect(err.message).toBe('first second');
    expect(err.retryable).toBe(false);
    expect(new FleetClientError('timeout', 't').retryable).toBe(true);
  });
});
