/**
 * `fleet status` without oclif. Operators and scripts run status far more often than anything
 * else, and loading oclif's command tree costs more than the whole status round trip; so
 * bin/run.js hands plain status invocations here and everything else (help, any flag this
 * parser does not know, any value it cannot read) to oclif, which stays the reference. The
 * output, the error lines, the `--json` documents and the exit codes are the same as the
 * oclif command's: both build them from the same functions (ops/status, ui/status-table,
 * common/errors), and test/e2e/fast-status.long.test.ts compares the two paths byte for byte.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
// Static, though each path runs only some of them: in the bundle, every module imported dynamically
// became a chunk of its own, and the modules it shared with the entry more chunks, each one more ES
// module to resolve and link per run (a status loaded 14 files of ours; now 4). Only what most runs
// never need stays dynamic: yaml and ajv (contexts.ts), grpc-js's EtcdClient (target.ts).
import { EtcdStatusProbe } from '../client/etcd/status-probe.js';
import { ContextStore, readTokenFile } from '../client/contexts.js';
import { StatusProbe } from '../client/probe/index.js';
import { collectEtcdStatus } from '../ops/etcd/status.js';
import { collectStatus, type StatusModel } from '../ops/status.js';
import { stdoutPalette } from '../ui/colors.js';
import { renderStatus } from '../ui/status-table.js';
import { parseEndpoints } from '../common/addresses.js';
import { parseTimerDuration } from '../common/durations.js';
import { EXIT, printFailure, reportOf } from '../common/errors.js';
import { statusOutcome } from './status-messages.js';
import { etcdClientOf, registryPrefixOf, resolveTarget, type Target, type TargetFlags } from './target.js';

/** The flags of `fleet status` (its own and the shared ones in base-command.ts). */
const STATUS_OPTIONS = {
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  context: { type: 'string' },
  endpoints: { type: 'string' },
  token: { type: 'string' },
  cacert: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  engine: { type: 'string' },
  timeout: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** What the fast path runs with, once the arguments are known to be plain. */
interface StatusArgs extends TargetFlags {
  readonly json: boolean;
  readonly debug: boolean;
  readonly timeout: number;
}

/** Disables the fast path (for comparing the two paths, and as a way out should it misbehave). */
export const NO_FAST_PATH_ENV = 'FLEET_NO_FAST_PATH';

/**
 * The arguments after `status`, or undefined when oclif should handle them: an unknown or
 * repeated flag, a positional, a value that does not parse (oclif words those errors).
 */
export function planFastStatus(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): StatusArgs | undefined {
  if (env[NO_FAST_PATH_ENV] !== undefined && env[NO_FAST_PATH_ENV] !== '' && env[NO_FAST_PATH_ENV] !== '0') return undefined;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: STATUS_OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch {
    return undefined;
  }
  const names = parsed.tokens.filter((t) => t.kind === 'option').map((t) => t.name);
  if (new Set(names).size !== names.length) return undefined;
  const v = parsed.values;
  try {
    return {
      json: v.json ?? false,
      debug: v.debug ?? false,
      timeout: v.timeout === undefined ? 5_000 : parseTimerDuration(v.timeout),
      ...(v.endpoints === undefined ? {} : { endpoints: parseEndpoints(v.endpoints) }),
      ...(v.context === undefined ? {} : { context: v.context }),
      ...(v.token === undefined ? {} : { token: v.token }),
      ...(v.cacert === undefined ? {} : { cacert: v.cacert }),
      ...(v.cert === undefined ? {} : { cert: v.cert }),
      ...(v.key === undefined ? {} : { key: v.key }),
      ...(v.engine === undefined ? {} : { engine: engineOf(v.engine) }),
    };
  } catch {
    return undefined;
  }
}

/** --engine's value; anything else is left to oclif, which words the error. */
function engineOf(v: string): 'fleet' | 'etcd' {
  if (v === 'fleet' || v === 'etcd') return v;
  throw new Error(`--engine ${v}`);
}

/** Runs `fleet status` with plain arguments; returns the exit code. */
export async function runFastStatus(args: StatusArgs): Promise<number> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // The reader of a pipe left (`| head`): it has all it wanted.
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    const target = await resolveTarget(args, { store: async () => new ContextStore(), readToken: readTokenFile });
    const model = await statusOf(target, args.timeout);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
    } else {
      process.stdout.write(`${renderStatus(model, stdoutPalette())}\n`);
    }
    const outcome = statusOutcome(model);
    if (outcome.line !== undefined && !args.json) process.stderr.write(`${outcome.line}\n`);
    return outcome.exitCode;
  } catch (err) {
    const report = reportOf(err);
    const withHint = report.exitCode === EXIT.usage && report.hint === undefined ? { ...report, hint: 'see fleet status --help' } : report;
    printFailure(withHint, err, args);
    return withHint.exitCode;
  }
}

/**
 * The status model of a target, through the one-shot probe (no grpc-js): members the membership
 * names beyond the target's endpoints are probed too, with the same credentials.
 */
export async function statusOf(target: Target, timeoutMs: number): Promise<StatusModel> {
  if (target.engine === 'etcd') return etcdStatusOf(target, timeoutMs);
  const probes: StatusProbe[] = [];
  const probe = (endpoints: readonly string[]) => {
    const p = new StatusProbe({ endpoints, token: target.token, tls: target.tls, timeoutMs });
    probes.push(p);
    return p;
  };
  try {
    return await collectStatus(probe(target.endpoints), (addresses) => probe(addresses).statusAll());
  } finally {
    for (const p of probes) p.close();
  }
}

/**
 * The status model of an etcd target, over etcd's own API: through the one-shot probe (no
 * grpc-js), unless the target authenticates as a user, which takes EtcdClient's token call.
 */
async function etcdStatusOf(target: Target, timeoutMs: number): Promise<StatusModel> {
  const client = target.user === undefined ? await etcdProbeOf(target, timeoutMs) : await etcdClientOf(target, timeoutMs);
  try {
    return await collectEtcdStatus(client, timeoutMs, { registryPrefix: registryPrefixOf(target) });
  } finally {
    client.close();
  }
}

async function etcdProbeOf(target: Target, timeoutMs: number) {
  return new EtcdStatusProbe({ endpoints: target.endpoints, timeoutMs, ...(target.tls === undefined ? {} : { tls: target.tls }) });
}
