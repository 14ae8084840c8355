import { describe, expect, it } from 'vitest';
import { preflight, SCENARIOS } from '../../../../src/ops/drill/engine.js';
import { parseSideWorkloads } from '../../../../src/ops/drill/side/names.js';
import type { DrillOptions } from '../../../../src/ops/drill/types.js';
import type { FaultInjector } from '../../../../src/ops/drill/injector.js';

describe('--with', () => {
  it('takes a comma-separated list, all or none, and refuses an unknown workload in one line', () => {
    expect(parseSideWorkloads('lock, list-append,lock')).toEqual(['lock', 'list-append']);
    expect(parseSideWorkloads('all')).toEqual(['list-append', 'lock', 'first-contact']);
    expect(parseSideWorkloads('none')).toEqual([]);
    expect(() => parseSideWorkloads('lock,queue')).toThrow(/^unknown workload "queue": use list-append, lock, first-contact, all or none$/);
  });

  it('is refused up front where nothing speaks fleet.v1 (an etcd cluster), with exit 2', () => {
    const opts = { drill: 'kill-leader', sideWorkloads: ['lock'] } as unknown as DrillOptions;
    const injector = { kind: 'local', can: () => true } as unknown as FaultInjector;
    expect(() => preflight(SCENARIOS['kill-leader'], opts, injector)).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/the lock workload speaks fleet.v1/) }));
  });
});
