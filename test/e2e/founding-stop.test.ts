/**
 * A member founding a cluster on an empty data dir, stopped at the worst moment (a signal right
 * after its start line, before its first Raft state is durable), must start again with the same
 * command line. It used to die on a SIGTERM there (no handler yet) and then be refused as a
 * member that lost its state (MemberStateLostError), since its data dir was no longer empty.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FleetClient } from '../../src/client/index.js';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { freePort, spawnCli, stopChild, tempDir, waitFor } from './processes.js';

const root = tempDir('fleet-founding-stop-');
afterAll(() => root.cleanup());

/** Starts the solo member on `data`; `onStartLine` runs the moment its start line is written. */
function startMember(data: string, port: number, onStartLine: (child: ReturnType<typeof spawnCli>['child']) => void = () => undefined, extra: string[] = []) {
  const address = `127.0.0.1:${port}`;
  const member = spawnCli(['node', 'start', '--id', 'n1', '--data-dir', data, '--listen', address, '--peers', `n1=${address}`, ...extra], MEMBER_ENV, MEMBER_NODE_OPTIONS);
  let seen = false;
  const watch = () => {
    if (!seen && member.output().includes('"msg":"member started"')) {
      seen = true;
      onStartLine(member.child);
    }
  };
  member.child.stdout!.on('data', watch);
  member.child.stderr!.on('data', watch);
  const exited = new Promise<number | null>((resolve) => member.child.once('exit', (code) => resolve(code)));
  return { ...member, exited };
}

const CASES = [
  { signal: 'SIGTERM', first: [], again: [], as: 'with the same command line' },
  { signal: 'SIGKILL', first: [], again: [], as: 'with the same command line' },
  // fleet init founds with `new`; fleet up restarts every voter with `existing`.
  { signal: 'SIGKILL', first: ['--initial-cluster-state', 'new'], again: ['--initial-cluster-state', 'existing'], as: 'as fleet up restarts it (--initial-cluster-state existing)' },
] as const;

describe('a founding member stopped right after its start line', () => {
  for (const [n, c] of CASES.entries()) {
    it(`starts again ${c.as} after a ${c.signal}`, async () => {
      for (let round = 0; round < 3; round++) {
        const data = join(root.path, `case${n}-${round}`);
        mkdirSync(data);
        const port = await freePort();
        const first = startMember(data, port, (child) => child.kill(c.signal), [...c.first]);
        const code = await first.exited;
        // A SIGTERM is a graceful stop wherever it lands, not the default action of the signal.
        if (c.signal === 'SIGTERM') expect(code, first.output()).toBe(0);

        const again = startMember(data, port, undefined, [...c.again]);
        const client = new FleetClient({ endpoints: [`127.0.0.1:${port}`], callTimeoutMs: 1_000, overallTimeoutMs: 2_000 });
        try {
          await waitFor('the member to lead', async () => {
            if (again.child.exitCode !== null) throw new Error(`it exited (${again.child.exitCode}):\n${again.output()}`);
            return (await client.status().catch(() => undefined))?.leaderId === 'n1' ? true : undefined;
          }, 20_000).catch((err: unknown) => {
            throw new Error(`${String(err)}\nthe first start said:\n${first.output().slice(-3000)}\nthe second:\n${again.output().slice(-3000)}`);
          });
          // Its state is on disk now: the data dir is no longer one being founded.
          await waitFor('the founding mark removed', () => (existsSync(join(data, 'raft.founding')) ? undefined : true), 5_000);
        } finally {
          client.close();
          await stopChild(again.child);
        }
      }
    }, 90_000);
  }
});
