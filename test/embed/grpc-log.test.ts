/**
 * grpc-js's own log lines while embedded members run (issue 57: they went to the host's stderr):
 * routed to the members' logs, unless the host set a grpc-js logger or asked for grpc-js output
 * by environment, which are left alone; the default comes back once the last member stops.
 */
import * as grpc from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { attachGrpcLogs, isGrpcDefaultLogger, type LineSink } from '../../src/embed/grpc-log.js';

const logging = createRequire(import.meta.url)('@grpc/grpc-js/build/src/logging.js') as { getLogger(): Partial<Console>; log(severity: number, ...args: unknown[]): void };
const DEFAULT = logging.getLogger();
afterEach(() => grpc.setLogger(DEFAULT));

function sink(): LineSink & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (_fields: object, msg: string) => void lines.push(`${level} ${msg}`);
  return { lines, error: at('error'), info: at('info'), debug: at('debug') };
}

describe('grpc-js logs of embedded members', () => {
  it("recognizes grpc-js's default logger (the one that writes E lines to stderr), and no other", () => {
    expect(isGrpcDefaultLogger(DEFAULT)).toBe(true);
    expect(isGrpcDefaultLogger(console)).toBe(false);
    expect(isGrpcDefaultLogger({ error: () => undefined })).toBe(false);
  });

  it("go to every attached member's log while any is attached; the default is back after the last", () => {
    const a = sink();
    const b = sink();
    const detachA = attachGrpcLogs(a, {});
    const detachB = attachGrpcLogs(b, {});
    logging.log(grpc.logVerbosity.ERROR, 'No address added out of total %d resolved', 1);
    expect(a.lines).toEqual(['error No address added out of total 1 resolved']);
    expect(b.lines).toEqual(a.lines);
    detachA();
    expect(logging.getLogger()).not.toBe(DEFAULT);
    detachB();
    expect(logging.getLogger()).toBe(DEFAULT);
  });

  it('leave a logger the host set alone, and a host that asked for grpc-js output by environment', () => {
    const host = { error: () => undefined, info: () => undefined, debug: () => undefined };
    grpc.setLogger(host);
    const detach = attachGrpcLogs(sink(), {});
    expect(logging.getLogger()).toBe(host);
    detach();
    expect(logging.getLogger()).toBe(host);
    grpc.setLogger(DEFAULT);
    const detachVerbose = attachGrpcLogs(sink(), { GRPC_VERBOSITY: 'DEBUG' });
    expect(logging.getLogger()).toBe(DEFAULT);
    detachVerbose();
  });

  it('does not put back the default over a logger the host set while members ran', () => {
    const detach = attachGrpcLogs(sink(), {});
    const host = { error: () => undefined };
    grpc.setLogger(host);
    detach();
    expect(logging.getLogger()).toBe(host);
  });
});
