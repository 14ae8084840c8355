/**
 * `fleet node start`'s process around its member: the one place a member's process is ended. It
 * assembles the member and serves every API (etcd's unless `--no-etcd-api`), then runs it until
 * SIGTERM/SIGINT; a fatal fault (the member already closed, its storage abandoned) exits 1, and a
 * graceful stop that does not finish within STOP_DEADLINE_MS exits anyway. src/core never exits
 * the process (an ESLint rule keeps it so): an embedding host hears of the same fault as an event.
 */
import type { AssembledMember } from '../core/server/member/assembled-member.js';
import { assembleMember } from '../core/server/member/assemble.js';
import { createMemberLogger } from '../core/server/member/member-log.js';
import type { AssemblyOptions } from '../core/server/member/options.js';
import { serveApis } from '../core/server/member/serve-apis.js';

/** What bin/run.js tells a `fleet node start` member about how it was loaded, and asks to hear back. */
export interface MemberLaunch {
  /** What became of the bundle's code cache (bin/code-cache.js): `used`, `none`, `damaged` or `rejected`. */
  readonly codeCache?: string | undefined;
  /** Called once, when the member has started (listening, its own log being replayed). */
  readonly onStarted?: (() => void) | undefined;
}

/** What `fleet node start` runs: the member's options, and whether it serves etcd's v3 API (`--no-etcd-api`). */
export type NodeRunOptions = AssemblyOptions & { readonly etcdApi: boolean };

/** How long SIGTERM waits for a graceful stop before the member exits anyway (see node start --help). */
export const STOP_DEADLINE_MS = 5_000;

/**
 * Runs a member until SIGTERM/SIGINT, as `fleet node start` does. The signals are taken before
 * the start begins: without a handler a signal ends the process on the spot, and one that came
 * while the member was starting (right after its start line, as `fleet down` may send it) left
 * its lock behind and, on a new member, files without the Raft state they were opened for.
 */
export async function runMember(opts: NodeRunOptions, launch?: MemberLaunch): Promise<void> {
  const logger = createMemberLogger(opts);
  const started: { member?: AssembledMember } = {};
  let signalled: ((member: AssembledMember) => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      // A graceful stop hands leadership off and drains calls; whatever it waits on (a peer that
      // does not answer, a stalled disk), systemd and `fleet down` must see the process gone soon.
      const deadline = setTimeout(() => {
        logger.warn({ afterMs: STOP_DEADLINE_MS }, 'graceful stop did not finish in time: exiting');
        process.exit(1);
      }, STOP_DEADLINE_MS);
      deadline.unref();
      // A second signal means now.
      process.once(signal, () => process.exit(1));
      signalled = (member) =>
        member.stop().then(resolve, (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          resolve();
        });
      // A signal during the start stops the member once it is up (a failed start exits anyway).
      if (started.member) signalled(started.member);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  const startLine = launch?.codeCache ? { codeCache: launch.codeCache } : undefined;
  // The member is already closed when told of a fatal fault (its port, its storage abandoned): the process goes with it.
  const member = await assembleMember({ ...opts, startLine }, { logger, onFatal: () => process.exit(1) });
  await serveApis(member, { fleet: true, admin: true, etcd: opts.etcdApi });
  await member.start();
  launch?.onStarted?.();
  started.member = member;
  signalled?.(member);
  await stopped;
  logger.flush();
}
