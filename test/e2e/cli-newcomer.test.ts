/**
 * What a newcomer trips on with local clusters (issue #62), against real processes: `fleet ps`
 * names each member's role and the leader, so the leader's pid is one command away; `fleet init`
 * says that its context is now current and what was before; `fleet destroy` of the current
 * context makes the only one left current, and without any left, the error names what to do.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts, killProcessesMentioning, runCli, tempDir } from './processes.js';

const home = tempDir('fleet-newcomer-');
const env = { FLEET_CONFIG_DIR: join(home.path, 'config'), XDG_DATA_HOME: join(home.path, 'data'), FLEET_ENDPOINTS: '', FLEET_CONTEXT: '', FLEET_TOKEN: '', NO_COLOR: '1' };
const fleet = (...args: string[]) => runCli(args, env, 120_000);

afterAll(() => {
  killProcessesMentioning(home.path);
  home.cleanup();
});

interface PsMember { id: string; pid: number | null; role: string | null }
interface PsCluster { name: string; leader: string | null; members: PsMember[] }

describe('local clusters, as a newcomer meets them', () => {
  it('init says which context is now current, ps names the roles and the leader, destroy leaves a current context', async () => {
    const dev = await fleet('init', '--name', 'dev', '--nodes', '1', '--base-port', String(await freePorts(1)), '--json');
    expect(dev.code, dev.stderr).toBe(0);
    expect(JSON.parse(dev.stdout)).toMatchObject({ context: 'dev', contextSwitched: { from: null, to: 'dev' } });

    const local = await fleet('init', '--name', 'local', '--base-port', String(await freePorts(3)));
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toContain('Context "local" is now current (was "dev"; fleet context use dev goes back)');

    const ps = JSON.parse((await fleet('ps', '--json')).stdout) as { clusters: PsCluster[] };
    const three = ps.clusters.find((c) => c.name === 'local')!;
    expect(three.leader).toMatch(/^n[123]$/);
    const leader = three.members.find((m) => m.id === three.leader)!;
    expect(leader).toMatchObject({ role: 'leader', pid: expect.any(Number) });
    expect(three.members.filter((m) => m !== leader).map((m) => m.role)).toEqual(['follower', 'follower']);
    expect(ps.clusters.find((c) => c.name === 'dev')).toMatchObject({ leader: 'n1', members: [{ id: 'n1', role: 'leader' }] });
    expect((await fleet('ps', '--name', 'local')).stdout.split('\n')[0]).toMatch(/^CLUSTER\s+STATE\s+MEMBER\s+ROLE\s+PROCESS/);

    const destroyed = await fleet('destroy', '--name', 'local', '--yes');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(destroyed.stdout).toContain('Context "dev" is now current: the only one left.');
    // Status needs no flags again: it asks dev (one member, so degraded: exit 7, not 2 "no cluster chosen").
    const status = await fleet('status', '--json');
    expect([status.code, (JSON.parse(status.stdout) as { members: { id: string }[] }).members.map((m) => m.id)]).toEqual([7, ['n1']]);

    expect((await fleet('destroy', '--name', 'dev', '--yes')).stdout).toContain('No context is left: fleet init starts a local cluster and makes one.');
    const none = await fleet('status');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: no cluster chosen: .*\(fleet init starts a local cluster/);
  }, 300_000);
});
