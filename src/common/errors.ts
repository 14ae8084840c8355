/**
 * The CLI's error vocabulary: exit codes (DESIGN.md, "The CLI"), `CliError` for failures the
 * operator can fix, and `reportOf`, which turns anything thrown into the one-line report and
 * exit code the base command prints. Nothing here imports grpc: the client's errors are
 * recognised by shape, so mapping an error never loads the transport.
 */

import { humanTime } from './times.js';

/** Exit codes. 5 and 6 belong to drills, 7 to `fleet status`; nothing else uses them. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  /** The cluster could not be reached, or answered without a quorum. */
  unavailable: 3,
  /** A precondition failed: CAS conflict, ALREADY_BOUND, a plan out of date, a refused unsafe change. */
  precondition: 4,
  sloMissed: 5,
  safetyViolation: 6,
  /** `fleet status`: a quorum commits, but a member is down or lagging, or no further failure is survivable. */
  degraded: 7,
  /** A read's min-index was not applied by the members in time: it would not see that write yet. */
  notApplied: 8,
  /**
   * What the command names does not exist (a key, a cluster, a shard, a lease, a context, a local
   * cluster): code NOT_FOUND. Apart from 1 so that a script can tell "absent" from "broken".
   */
  notFound: 9,
} as const;

/** One of the exit codes above. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What a CliError carries besides its message. */
export interface CliErrorOptions {
  readonly exitCode?: ExitCode;
  /** What to try next, e.g. `pass --force to accept the risk`. */
  readonly hint?: string;
  /** A stable, machine-readable code for `--json` (default: by exit code). */
  readonly code?: string;
  /** Structured facts for `--json` (e.g. the shard a cluster is bound to). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

const CODE_OF_EXIT: Readonly<Record<number, string>> = {
  1: 'ERROR',
  2: 'USAGE',
  3: 'UNAVAILABLE',
  4: 'PRECONDITION',
  5: 'SLO_MISSED',
  6: 'SAFETY_VIOLATION',
  7: 'DEGRADED',
  8: 'NOT_APPLIED',
  9: 'NOT_FOUND',
};

/**
 * A failure the operator can do something about, thrown by commands and services. Invariant:
 * `message` is one line (newlines are folded), so it prints as one line.
 */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, opts: CliErrorOptions = {}) {
    super(oneLine(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = opts.exitCode ?? EXIT.error;
    this.hint = opts.hint;
    this.code = opts.code ?? CODE_OF_EXIT[this.exitCode] ?? 'ERROR';
    this.details = opts.details;
  }
}

/** Bad flags or arguments (exit 2); the hint names the help to read. */
export class UsageError extends CliError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super(message, { exitCode: EXIT.usage, code: 'USAGE', hint, cause });
    this.name = 'UsageError';
  }
}

/** What the base command prints for a failure, and the `--json` error document's body. */
export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly exitCode: number;
  readonly hint?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** The parts of a FleetClientError the CLI reads (matched by shape: see the file comment). */
interface ClientErrorShape {
  readonly name: 'FleetClientError';
  readonly message: string;
  readonly kind: string;
  readonly code?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

function isClientError(err: unknown): err is ClientErrorShape {
  return err instanceof Error && err.name === 'FleetClientError' && typeof (err as { kind?: unknown }).kind === 'string';
}

const CLIENT_KINDS: Readonly<Record<string, { code: string; exitCode: ExitCode }>> = {
  unavailable: { code: 'UNAVAILABLE', exitCode: EXIT.unavailable },
  timeout: { code: 'TIMEOUT', exitCode: EXIT.unavailable },
  precondition: { code: 'PRECONDITION', exitCode: EXIT.precondition },
  invalid: { code: 'INVALID_ARGUMENT', exitCode: EXIT.error },
  'not-found': { code: 'NOT_FOUND', exitCode: EXIT.notFound },
  unauthenticated: { code: 'UNAUTHENTICATED', exitCode: EXIT.error },
  'permission-denied': { code: 'PERMISSION_DENIED', exitCode: EXIT.error },
  tls: { code: 'TLS', exitCode: EXIT.error },
  exhausted: { code: 'RESOURCE_EXHAUSTED', exitCode: EXIT.error },
  internal: { code: 'INTERNAL', exitCode: EXIT.error },
};

function clientReport(err: ClientErrorShape, nowMs = Date.now()): ErrorReport {
  // A read whose min-index no member applied in time: the cluster answered, the write is not there yet.
  const k = err.code === 'NOT_APPLIED' ? { code: 'NOT_APPLIED', exitCode: EXIT.notApplied } : (CLIENT_KINDS[err.kind] ?? CLIENT_KINDS.internal!);
  const details = err.details !== undefined && Object.keys(err.details).length > 0 ? err.details : undefined;
  // The client's messages already say what to do, so no hint is added.
  return compact({ code: err.code ?? k.code, message: leaseHeldMessage(details, nowMs) ?? err.message, exitCode: k.exitCode, details });
}

/**
 * A lease held by another, with when it ends as people read it (`until 14:03:07 (in 28 s)`):
 * the registry states only the TTL, since the time left depends on when the refusal is read.
 */
export function leaseHeldMessage(details: Readonly<Record<string, unknown>> | undefined, nowMs: number): string | undefined {
  const { name, holder, expiresAt } = details ?? {};
  if (typeof name !== 'string' || typeof holder !== 'string' || typeof expiresAt !== 'number') return undefined;
  return `lease ${JSON.stringify(name)} is held by ${JSON.stringify(holder)} until ${humanTime(expiresAt, nowMs)}, unless renewed or released`;
}

/** Maps anything thrown to its report: CliError and FleetClientError by their fields, else exit 1. */
export function reportOf(err: unknown): ErrorReport {
  if (err instanceof CliError) return compact({ code: err.code, message: err.message, exitCode: err.exitCode, hint: err.hint, details: err.details });
  if (isClientError(err)) return clientReport(err);
  // A context name that does not exist is bad input, like an unknown flag (src/client/contexts.ts).
  if (err instanceof Error && err.name === 'UnknownContextError') return { code: 'USAGE', message: oneLine(err.message), exitCode: EXIT.usage, hint: 'fleet context list' };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'ERROR', message: oneLine(message) || 'unknown error', exitCode: EXIT.error };
}

/** The line printed on stderr: `error: <message> (<hint>)`. */
export function formatReport(report: ErrorReport): string {
  return `error: ${report.message}${report.hint ? ` (${report.hint})` : ''}`;
}

/** Folds whitespace runs with newlines into one space, so a message prints on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function compact(r: { code: string; message: string; exitCode: number; hint?: string | undefined; details?: Readonly<Record<string, unknown>> | undefined }): ErrorReport {
  return {
    code: r.code,
    message: r.message,
    exitCode: r.exitCode,
    ...(r.hint ? { hint: r.hint } : {}),
    ...(r.details ? { details: r.details } : {}),
  };
}

/** The error and its causes, with stacks: what --debug prints. */
export function describeChain(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

/** Prints a failure: the JSON error document on stdout with --json, else one line on stderr; the causes with --debug. */
export function printFailure(report: ErrorReport, err: unknown, opts: { readonly json: boolean; readonly debug: boolean }): void {
  if (opts.json) process.stdout.write(`${JSON.stringify({ error: report }, null, 2)}\n`);
  else process.stderr.write(`${formatReport(report)}\n`);
  if (opts.debug) process.stderr.write(`${describeChain(err)}\n`);
}
