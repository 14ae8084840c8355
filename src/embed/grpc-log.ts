/**
 * grpc-js's own log lines (a port it could not bind, a peer's excess pings) go through one
 * process-wide logger, which by default writes to stderr: the host's stderr. While embedded
 * members run, they are routed into the members' logs instead, on two conditions that keep a host
 * that uses grpc-js itself in charge of it:
 * - the host has not set a grpc-js logger of its own (`grpc.setLogger`): theirs is left in place;
 * - the host has not asked grpc-js for output with GRPC_VERBOSITY / GRPC_TRACE: it gets it.
 * The default logger is restored when the last member stops, unless the host replaced ours meanwhile.
 *
 * grpc-js does not export `getLogger`, so the logger in place is read from its logging module
 * (the same instance the package's entry uses); if that module moves, nothing is touched.
 */
import * as grpc from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import { format } from 'node:util';

/** Where routed lines go: the members' own loggers (pino). */
export interface LineSink {
  error(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}

type GrpcLogger = Partial<Console>;

const sinks = new Set<LineSink>();
let routed: { router: GrpcLogger; previous: GrpcLogger } | undefined;

/** grpc-js's logger now, or undefined when its logging module cannot be read. */
function currentLogger(): GrpcLogger | undefined {
  try {
    const logging = createRequire(import.meta.url)('@grpc/grpc-js/build/src/logging.js') as { getLogger?: () => GrpcLogger };
    return logging.getLogger?.();
  } catch {
    return undefined;
  }
}

/** Whether `logger` is grpc-js's built-in one (which writes `E …` lines to stderr), not one a host set. */
export function isGrpcDefaultLogger(logger: GrpcLogger | undefined): boolean {
  return typeof logger?.error === 'function' && /console\.error\(\s*['"]E ['"]/.test(String(logger.error));
}

/** Whether the host asked grpc-js for its output by environment. */
function hostAskedForGrpcOutput(env: NodeJS.ProcessEnv): boolean {
  return ['GRPC_VERBOSITY', 'GRPC_NODE_VERBOSITY', 'GRPC_TRACE', 'GRPC_NODE_TRACE'].some((k) => (env[k] ?? '') !== '');
}

function route(level: keyof LineSink): (message?: unknown, ...rest: unknown[]) => void {
  return (message, ...rest) => {
    const line = format(message, ...rest);
    for (const sink of sinks) sink[level]({ source: 'grpc-js' }, line);
  };
}

/** Routes grpc-js's lines to `sink` while it is attached; returns its detachment. */
export function attachGrpcLogs(sink: LineSink, env: NodeJS.ProcessEnv = process.env): () => void {
  if (routed === undefined) {
    const previous = currentLogger();
    if (!isGrpcDefaultLogger(previous) || hostAskedForGrpcOutput(env)) return () => undefined;
    const router = { error: route('error'), info: route('info'), debug: route('debug') };
    grpc.setLogger(router);
    routed = { router, previous: previous! };
  }
  sinks.add(sink);
  return () => {
    sinks.delete(sink);
    if (sinks.size > 0 || routed === undefined) return;
    if (currentLogger() === routed.router) grpc.setLogger(routed.previous);
    routed = undefined;
  };
}
