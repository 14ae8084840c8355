/**
 * What a newcomer trips on with local clusters (issue #62), against real processes: `fleet ps`
 * names each member's role and the leader, so the leader's pid is one command away.
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
  it('ps names the roles and the leader', async () => {
    const dev = await fleet('init', '--name', 'dev', '--nodes', '1', '--base-port', String(await freePorts(1)), '--json');
    expect(dev.code, dev.stderr).toBe(0);

    const local = await fleet('init', '--name', 'local', '--base-port', String(await freePorts(3)));
    expect(local.code, local.stderr).toBe(0);

    const ps = JSON.parse((await fleet('ps', '--json')).stdout) as { clusters: PsCluster[] };
    const three = ps.clusters.find((c) => c.name === 'local')!;
    expect(three.leader).toMatch(/^n[123]$/);
    const leader = three.members.find((m) => m.id === three.leader)!;
    expect(leader).toMatchObject({ role: 'leader', pid: expect.any(Number) });
    expect(three.members.filter((m) => m !== leader).map((m) => m.role)).toEqual(['follower', 'follower']);
    expect(ps.clusters.find((c) => c.name === 'dev')).toMatchObject({ leader: 'n1', members: [{ id: 'n1', role: 'leader' }] });
    expect((await fleet('ps', '--name', 'local')).stdout.split('\n')[0]).toMatch(/^CLUSTER\s+STATE\s+MEMBER\s+ROLE\s+PROCESS/);
  }, 300_000);
});
