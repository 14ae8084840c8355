import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { GRPC_STATUS, statusName } from '../../src/client/transport/grpc-status.js';

describe('GRPC_STATUS', () => {
  it('is grpc-js status table, code for code', () => {
    for (const [name, code] of Object.entries(GRPC_STATUS)) expect(status[name as keyof typeof status], name).toBe(code);
    const numeric = Object.values(status).filter((v) => typeof v === 'number');
    expect(Object.keys(GRPC_STATUS)).toHaveLength(numeric.length);
    expect(statusName(14)).toBe('UNAVAILABLE');
    expect(statusName(99)).toBe('99');
  });
});
