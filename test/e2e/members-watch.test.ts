/**
 * `fleet members list --watch` against a real cluster: the first line is the membership, and a
 * new one comes with each change of the members, their kinds or the leader (a leader transfer, a
 * learner added, promoted... removed), also after the member the watch streamed from is killed
 * (another takes over, and a listing unchanged by the move is not printed again); Ctrl-C ends it
 * with exit 0. Without --json it prints the table under the time.
 */
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberListing } from '../../src/client/engine.js';
import { cliSandbox } from './cli-helpers.js';
import { TestCluster } from './cluster.js';
import { spawnCli, stopChild, waitFor } from './processes.js';

let cluster: TestCluster | undefined;
const children: ChildProcess[] = [];
const dirs: { cleanup: () => void }[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await stopChild(child, 'SIGKILL');
  await cluster?.destroy();
  cluster = undefined;
  for (const d of dirs.splice(0)) d.cleanup();
});

/** Starts `fleet members list --watch` with `args`; its output so far, and its exit code once it ends. */
function watch(args: string[]): { output: () => string; exited: Promise<number | null>; child: ChildProcess } {
  const sandbox = cliSandbox();
  dirs.push(sandbox);
  const { child, output } = spawnCli(['members', 'list', '--watch', '--endpoints', cluster!.endpoints.join(','), ...args], sandbox.env);
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output, exited, child };
}

/** The JSON lines printed so far. */
function listings(output: string): MemberListing[] {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as MemberListing);
}

/** Waits for a listing after the first `after` that satisfies `ok`; answers its position. */
function printed(w: { output: () => string }, what: string, after: number, ok: (l: MemberListing) => boolean): Promise<number> {
  return waitFor(what, () => {
    const at = listings(w.output()).findIndex((l, i) => i >= after && ok(l));
    return at < 0 ? undefined : at;
  }, 20_000).catch((err: unknown) => {
    throw new Error(`${String(err)}; the watch printed:\n${w.output()}`);
  });
}

const ids = (l: MemberListing): string => l.members.map((m) => `${m.id}:${m.voter ? 'voter' : 'learner'}`).join(',');

describe('fleet members list --watch', () => {
  it('prints the membership, then a line per change of members, kinds or leader, across the loss of its member, until Ctrl-C', async () => {
    cluster = await TestCluster.start({});
    const client = cluster.client();
    const w = watch(['--json']);
    const first = await printed(w, 'the first listing', 0, (l) => l.leader !== null && l.members.length === 3);
    const leader = listings(w.output())[first]!.leader!;
    expect(ids(listings(w.output())[first]!)).toBe('n1:voter,n2:voter,n3:voter');

    const moved = await client.transferLeader();
    let at = await printed(w, 'the new leader', first + 1, (l) => l.leader === moved.to);
    expect(moved.to).not.toBe(leader);
    await client.addMember('n4', '127.0.0.1:1', { learner: true });
    at = await printed(w, 'the learner added', at + 1, (l) => ids(l) === 'n1:voter,n2:voter,n3:voter,n4:learner');
    await client.removeMember('n4');
    at = await printed(w, 'the learner removed', at + 1, (l) => l.members.length === 3);

    // The watch streams from the first endpoint, n1: killed, another member takes over.
    await cluster.kill('n1');
    await cluster.waitForLeader();
    const alive = cluster.client();
    await waitFor('a learner added without n1', async () => alive.addMember('n5', '127.0.0.1:1', { learner: true }).then(() => true, () => undefined), 20_000);
    await printed(w, 'the learner added after n1 died', at + 1, (l) => l.members.some((m) => m.id === 'n5'));
    // Each line is a change: no two in a row are the same.
    const all = listings(w.output());
    for (let i = 1; i < all.length; i++) expect(JSON.stringify(all[i]), `line ${i}`).not.toBe(JSON.stringify(all[i - 1]));

    w.child.kill('SIGINT');
    expect(await w.exited, w.output()).toBe(0);
  });

  it('prints the table under the time without --json', async () => {
    cluster = await TestCluster.start({});
    const w = watch([]);
    await waitFor('the table', () => (/n3.*voter/.test(w.output()) && /leader/.test(w.output()) ? true : undefined), 20_000);
    expect(w.output()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/m);
    w.child.kill('SIGINT');
    expect(await w.exited, w.output()).toBe(0);
  });
});
