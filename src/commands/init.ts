import { Flags } from '@oclif/core';
import { FleetCommand, GLOBAL_FLAGS } from '../cli/base-command.js';
import { parseDuration } from '../common/durations.js';
import { UsageError } from '../common/errors.js';
import { waitFlag } from '../cli/flags.js';
import type { ContextStore } from '../client/contexts.js';
import type { EtcdInitResult, InitPhases, InitResult, LocalClusterView } from '../ops/local-cluster/index.js';

/**
 * `--profile`: lan for loopback and one data centre; wan for members regions apart, with a
 * heartbeat above the largest round trip (hundreds of ms) and an election timeout of five
 * heartbeats, within the 5 s a cross-region control plane can afford (docs/operations.md).
 */
const TIMING_PROFILES = {
  lan: { heartbeat: '100ms', electionTimeout: '500ms' },
  wan: { heartbeat: '500ms', electionTimeout: '2500ms' },
} as const;

/** The region of a zone `--regions` does not place. */
const DEFAULT_REGION = 'local';

/** `fleet init --json`. */
export interface InitJson {
  readonly outcome: 'created' | 'already-running';
  readonly name: string;
  readonly context: string;
  readonly leader: string | null;
  readonly elapsedMs: number;
  /** Where the time went, when the cluster was created (null when it was already running). */
  readonly phases: InitPhases | null;
  readonly cluster: LocalClusterView;
  /** Set when the default ports were taken and others were picked. */
  readonly portsMoved?: string;
  /** Set when init made its context current: what was current before (null: none). Commands without --context now go to this cluster. */
  readonly contextSwitched?: { readonly from: string | null; readonly to: string };
}

export default class Init extends FleetCommand {
  static override summary = 'Start a local cluster in the background and make it the current context.';
  static override description = `Starts NODES members on this machine as detached \`fleet node start\` processes on loopback ports BASE-PORT, BASE-PORT+1, …, generates client and admin tokens and the peer secret members authenticate each other with (files of mode 0600), waits until a leader is elected and every member has applied the first entries, writes a context named after the cluster and makes it current — saying so, with the context that was current before ("contextSwitched": {"from", "to"} in --json), since commands without --context now go to this cluster — and prints the members.

With --tls, it also creates a CA for the cluster and certificates for each member (CN=<id>, OU=fleet-member) and for the operator (OU=fleet-operator), keys of mode 0600, under certs/: every connection (client, admin, peer) is then mutual TLS, and the context carries the operator's certificate, so \`fleet status\` needs no extra flags.

Every member also serves Prometheus metrics on its own loopback port, picked free at init from member port + 100 on and kept in the manifest (fleet ps lists them, as http://127.0.0.1:PORT/metrics). With --monitoring, it writes prometheus.yml, a scrape config with one target per member (labels cluster and member), into the cluster's directory and prints its path; fleet up and fleet scale keep it up to date. On a running cluster, init --monitoring just writes that file.

With --engine etcd, the members are the installed etcd (Debian's etcd-server package) instead, each on a free loopback client port and peer port (or BASE-PORT… for the clients and the next NODES ports for the peers); the context records engine etcd, so \`fleet status\`, \`kv\`, \`members\`, \`leader\` and \`snapshot\` speak etcd's API, and \`fleet ps\`, \`down\`, \`up\` and \`destroy\` manage the processes. etcd needs --election-timeout at least 5 times --heartbeat; --tls is not offered for it.

Everything lives under $XDG_DATA_HOME/fleet/clusters/NAME (default ~/.local/share/…); nothing is written to the current directory. Running it again on a running cluster changes nothing. If any step fails, what was started is stopped again.`;
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --nodes 1 --name dev --base-port 8781',
    '<%= config.bin %> init --nodes 5 --heartbeat 50ms --election-timeout 300ms --json',
    '<%= config.bin %> init --tls --name secure --base-port 9781',
    '<%= config.bin %> init --monitoring && prometheus --config.file ~/.local/share/fleet/clusters/local/prometheus.yml',
    '<%= config.bin %> init --engine etcd --name etcd-dev',
    '<%= config.bin %> init --nodes 5 --zones a,b,c --regions eu-west-1',
    '<%= config.bin %> init --profile wan --zones a,b,c --regions us,eu,ap && <%= config.bin %> drill wan --latency us-eu=80ms,us-ap=150ms,eu-ap=200ms',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override flags = {
    name: Flags.string({ description: 'cluster name (also the context name)', default: 'local', helpValue: '<name>' }),
    nodes: Flags.custom<number>({ description: 'number of members', options: ['1', '3', '5'], default: 3, parse: async (s) => Number(s) })(),
    'base-port': Flags.integer({ description: 'port of the first member; the others follow (default 7781, or the next free ones when taken, said when it happens; with --engine etcd, free ports)', min: 1, max: 65_535, helpValue: '<port>' }),
    'data-dir': Flags.string({ description: "directory for the members' data (default: under $XDG_DATA_HOME/fleet/clusters/NAME)", helpValue: '<dir>' }),
    profile: Flags.option({ options: ['lan', 'wan'] as const, description: 'timing preset: lan (heartbeat 100ms, election timeout 500ms: loopback or one data centre) or wan (500ms and 2.5s: members regions apart; see fleet drill wan)', default: 'lan' as const })(),
    heartbeat: Flags.string({ description: 'leader heartbeat interval (default: the profile\'s, 100ms)', helpValue: '<duration>' }),
    'election-timeout': Flags.string({ description: "base election timeout (default: the profile's, 500ms)", helpValue: '<duration>' }),
    tls: Flags.boolean({ description: 'create a CA and certificates, and run every connection over mutual TLS', default: false }),
    monitoring: Flags.boolean({ description: `write a Prometheus scrape config for the members' metrics (prometheus.yml in the cluster's directory)`, default: false }),
    zones: Flags.string({ description: 'lay the members out round-robin over these zones, as if the cluster spanned them (n1 in the first, n2 in the second, …); fleet status then reports fault tolerance per zone', helpValue: '<a,b,c>' }),
    regions: Flags.string({ description: `the zones' regions: one for all, or one per zone (default: ${DEFAULT_REGION})`, helpValue: '<r1,r2,r3>' }),
    timeout: waitFlag({ description: 'how long to wait for the cluster to become healthy', default: 30_000, defaultHelp: async () => '30s' }),
    engine: Flags.option({ options: ['fleet', 'etcd'] as const, description: "what the members run: fleet's own coordinator, or the installed etcd", default: 'fleet' as const })(),
  };

  async run(): Promise<InitJson> {
    const parsed = await this.parse(Init);
    const timing = TIMING_PROFILES[parsed.flags.profile];
    const flags = { ...parsed.flags, heartbeat: parsed.flags.heartbeat ?? timing.heartbeat, 'election-timeout': parsed.flags['election-timeout'] ?? timing.electionTimeout };
    checkTiming(flags.heartbeat, flags['election-timeout']);
    if (flags.engine === 'etcd' && flags.monitoring) throw new UsageError('--monitoring is not offered with --engine etcd', 'leave out --monitoring: etcd serves /metrics on each client port');
    if (flags.engine === 'etcd' && flags.zones !== undefined) throw new UsageError('--zones is not offered with --engine etcd', 'leave out --zones, or use --engine fleet');
    if (flags.engine === 'etcd') return this.#initEtcd(flags);
    const zones = await zonesOf(flags.zones, flags.regions);
    const lc = await import('../ops/local-cluster/index.js');
    const contexts = await this.contextStore();
    const was = await currentName(contexts);
    const r = await this.withProgress((progress, signal) =>
      lc.initCluster({
        name: flags.name, nodes: flags.nodes, basePort: flags['base-port'], dataDir: flags['data-dir'],
        heartbeat: flags.heartbeat, electionTimeout: flags['election-timeout'], tls: flags.tls, monitoring: flags.monitoring, timeoutMs: flags.timeout, zones,
        root: lc.clustersRoot(), contexts, progress, signal,
      }),
    );
    const switched = await contextSwitched(contexts, was, r.context);
    if (!this.jsonEnabled()) await this.report(r, flags.nodes, flags.monitoring, was);
    return { outcome: r.outcome, name: r.cluster.name, context: r.context, leader: r.leader, elapsedMs: r.elapsedMs, phases: r.phases, cluster: r.cluster, ...(r.portsMoved === undefined ? {} : { portsMoved: r.portsMoved }), ...switched };
  }

  async #initEtcd(flags: { name: string; nodes: number; 'base-port'?: number | undefined; 'data-dir'?: string | undefined; heartbeat: string; 'election-timeout': string; tls: boolean; timeout: number }): Promise<InitJson> {
    if (flags.tls) throw new UsageError('--tls is not offered with --engine etcd', 'leave out --tls, or use --engine fleet');
    const lc = await import('../ops/local-cluster/index.js');
    const contexts = await this.contextStore();
    const was = await currentName(contexts);
    const r = await this.withProgress((progress, signal) =>
      lc.initEtcdCluster({
        name: flags.name, nodes: flags.nodes, basePort: flags['base-port'], dataDir: flags['data-dir'],
        heartbeat: flags.heartbeat, electionTimeout: flags['election-timeout'], timeoutMs: flags.timeout,
        root: lc.clustersRoot(), contexts, progress, signal,
      }),
    );
    const switched = await contextSwitched(contexts, was, r.context);
    if (!this.jsonEnabled()) await this.#reportEtcd(r, was);
    return { outcome: r.outcome, name: r.cluster.name, context: r.context, leader: r.leader, elapsedMs: r.elapsedMs, phases: null, cluster: r.cluster, ...switched };
  }

  async #reportEtcd(r: EtcdInitResult, was: string | null): Promise<void> {
    const [render, { renderStatus }, { stdoutPalette }] = await Promise.all([import('../ui/local-cluster.js'), import('../ui/status-table.js'), import('../ui/colors.js')]);
    const p = stdoutPalette();
    const n = r.cluster.members.length;
    if (r.model === null) {
      this.log(`Local etcd cluster ${r.cluster.name} is already running (${n} member${n === 1 ? '' : 's'}); nothing changed.`);
      this.log(`See it with: fleet status --context ${r.context}`);
      return;
    }
    this.log(`${p.ok('✔')} Local etcd cluster ${p.bold(r.cluster.name)} is healthy: ${n} member${n === 1 ? '' : 's'}, leader ${r.leader} (${render.seconds(r.elapsedMs)}).`);
    this.log('');
    this.log(renderStatus(r.model, p));
    this.log('');
    this.log(render.contextSwitchLine(r.context, was, r.cluster.home, p, ' (engine etcd)'));
    this.log(render.nextSteps(r.cluster.name, n, p, 'etcd'));
  }

  private async report(r: InitResult, requested: number, monitoring: boolean, was: string | null): Promise<void> {
    const [render, { buildStatusModel }, { renderStatus }, { stdoutPalette }] = await Promise.all([
      import('../ui/local-cluster.js'), import('../ops/status.js'), import('../ui/status-table.js'), import('../ui/colors.js'),
    ]);
    const p = stdoutPalette();
    const n = r.cluster.members.length;
    if (r.outcome === 'already-running') {
      const differs = n === requested ? '' : `; fleet scale --nodes ${requested} --name ${r.cluster.name} changes its size`;
      this.log(`Local cluster ${r.cluster.name} is already running (${n} member${n === 1 ? '' : 's'}); nothing changed${differs}.`);
      this.log(`See it with: fleet status --context ${r.context}`);
      this.scrapeConfigLine(r, monitoring);
      return;
    }
    this.log(`${p.ok('✔')} Local cluster ${p.bold(r.cluster.name)} is healthy: ${n} member${n === 1 ? '' : 's'}, leader ${r.leader} (${render.seconds(r.elapsedMs)}).`);
    if (r.phases !== null) this.log(p.dim(`  ${render.phaseLine(r.phases)}`));
    if (r.portsMoved !== undefined) this.log(p.warn(`  ${r.portsMoved}`));
    this.log('');
    this.log(renderStatus(buildStatusModel(r.statuses), p));
    this.log('');
    this.log(render.contextSwitchLine(r.context, was, r.cluster.home, p));
    this.scrapeConfigLine(r, monitoring);
    this.log(render.nextSteps(r.cluster.name, n, p));
  }

  private scrapeConfigLine(r: InitResult, monitoring: boolean): void {
    if (monitoring && r.cluster.scrapeConfig !== null) this.log(`Prometheus scrape config: ${r.cluster.scrapeConfig} (run: prometheus --config.file ${r.cluster.scrapeConfig})`);
  }
}

/** The current context's name, or null. */
async function currentName(contexts: ContextStore): Promise<string | null> {
  return (await contexts.current())?.name ?? null;
}

/** `contextSwitched` of --json: set when init made `context` current and it was not before. */
async function contextSwitched(contexts: ContextStore, was: string | null, context: string): Promise<Pick<InitJson, 'contextSwitched'>> {
  const now = await currentName(contexts);
  return now === context && was !== context ? { contextSwitched: { from: was, to: context } } : {};
}

/** `--zones` and `--regions` as zone slots; a usage error for labels a member would refuse. */
async function zonesOf(zones: string | undefined, regions: string | undefined) {
  const [{ zoneSlots }, { placementLabelProblem }] = await Promise.all([import('../ops/placement.js'), import('../common/placement.js')]);
  const list = (s: string | undefined) => (s === undefined ? [] : s.split(',').map((x) => x.trim()));
  try {
    return zoneSlots(list(zones), list(regions), DEFAULT_REGION, placementLabelProblem);
  } catch (err) {
    throw new UsageError((err as Error).message, 'e.g. --zones a,b,c --regions eu-west-1', err);
  }
}

/** Usage errors for durations the members would refuse: caught here, before anything starts. */
function checkTiming(heartbeat: string, electionTimeout: string): void {
  let hb: number;
  let et: number;
  try {
    hb = parseDuration(heartbeat);
    et = parseDuration(electionTimeout);
  } catch (err) {
    throw new UsageError((err as Error).message, 'see fleet init --help', err);
  }
  if (hb <= 0) throw new UsageError('--heartbeat must be positive', 'e.g. --heartbeat 100ms');
  if (et < 2 * hb) throw new UsageError('--election-timeout must be at least twice --heartbeat', 'e.g. --heartbeat 100ms --election-timeout 500ms');
}
