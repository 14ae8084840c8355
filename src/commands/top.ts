import { Flags } from '@oclif/core';
import type { FleetClient } from '../client/index.js';
import { FleetCommand } from '../cli/base-command.js';
import { EXIT, UsageError } from '../common/errors.js';
import { durationFlag } from '../cli/flags.js';
import { registryPrefixOf } from '../cli/target.js';
import { contextNamesOf, contextStatusWatcher, manyContextsFlags } from '../cli/many-contexts.js';
import type { ContextsTopState } from '../ops/top/contexts.js';
import type { ContextsTopViewModel } from '../ops/top/contexts-view-model.js';
import type { TopState } from '../ops/top/model.js';
import type { TopViewModel } from '../ops/top/view-model.js';

/** Polling faster than this only loads the members without showing anything new. */
const MIN_INTERVAL_MS = 100;
/** Longest wait between the two polls of a `--once` frame. */
const ONCE_GAP_MS = 1_000;
/** Width of a `--once` frame on a pipe, where the terminal's width is unknown. */
const PIPE_COLUMNS = 100;
/** Enter and leave the terminal's alternate screen, so the dashboard leaves the scrollback as it found it. */
const ALT_SCREEN_ON = '\u001b[?1049h\u001b[H';
const ALT_SCREEN_OFF = '\u001b[?1049l';

/**
 * ink draws only the last frame when it sees CI set (its is-in-ci check), so a live dashboard
 * there would stay blank until it quit: print one frame instead, as on a pipe.
 */
function runningUnderCi(): boolean {
  const set = (name: string) => { const v = process.env[name]; return v !== undefined && v !== '0' && v !== 'false'; };
  return set('CI') || set('CONTINUOUS_INTEGRATION');
}

export default class Top extends FleetCommand {
  static override summary = 'A live dashboard of the coordinator: leader, quorum, lag, events and the registry.';
  static override description = `Polls every member and the registry at --interval and shows who leads, whether the quorum is safe, who is lagging, and a timeline of what changed (elections, members lost and back, snapshots, transfers). The timeline also shows what operators change in the registry (a shard drained, clusters rebound, a quota set, a lease taken), from one watch of the registries rather than polls, a burst folded into one line a second; --kv adds the KV store's changes. Keys: q quit, ↑/↓ select, Tab panel, t transfer leadership to the selected member, s snapshot, p pause, / filter shards, ? help.

--once prints one frame (from two polls, a second apart) and exits (exit 3 without a quorum, like fleet status); so does fleet top when stdout or stdin is not a terminal, or when CI is set in the environment. --readonly refuses the actions.

Against an etcd cluster (a context added with --etcd): the members as fleet status shows them (commit = raftIndex, applied = raftAppliedIndex, DB SIZE, health), the leader and term, and a timeline of what changed between polls (elections, members lost and back, membership); no registry panel, and s (snapshot) says to use fleet snapshot save.

With --contexts a,b,c (or --all-contexts): several clusters at once, one row each in the order named — state, leader, term, commit and applied index, worst lag, quorum and the failures it tolerates, members down — and under a cluster that is not healthy, why (a stopped one: "unreachable: connection refused", with when it last answered). Every cluster is polled on its own, each poll within --timeout (at most the interval, at least 1s) twice over, so a dead or hanging cluster never holds up the others. Keys: q quit, ↑/↓ scroll, r refresh now, p pause. --once prints one frame from one poll of each and exits 3 when any cluster is unreachable or without a quorum.`;

  static override examples = [
    '<%= config.bin %> top',
    '<%= config.bin %> top --context prod --readonly',
    '<%= config.bin %> top --interval 250ms',
    '<%= config.bin %> top --kv',
    '<%= config.bin %> top --once > frame.txt',
    '<%= config.bin %> top --contexts prod-eu,prod-us,staging',
    '<%= config.bin %> top --all-contexts --interval 2s',
  ];

  static override flags = {
    interval: durationFlag({ description: 'time between polls', default: 1_000, defaultHelp: async () => '1s' }),
    readonly: Flags.boolean({ description: 'watch only: refuse leadership transfers and snapshots', default: false }),
    kv: Flags.boolean({ description: 'also show KV changes (the default namespace) in the timeline; by default only the registries', default: false }),
    once: Flags.boolean({ description: 'print one frame and exit (the default when stdout is not a terminal)', default: false }),
    ...manyContextsFlags,
  };

  async run(): Promise<TopState | ContextsTopState> {
    const { flags } = await this.parse(Top);
    if (flags.interval < MIN_INTERVAL_MS) throw new UsageError(`--interval must be at least ${MIN_INTERVAL_MS}ms`);
    const live = !flags.once && !this.jsonEnabled() && process.stdout.isTTY === true && process.stdin.isTTY === true && !runningUnderCi();
    if (flags.contexts !== undefined || flags['all-contexts']) return this.#contexts(flags.contexts, flags.interval, live);
    const vm = await this.viewModel(flags.interval, flags.readonly, !flags.readonly && live, flags.kv);
    if (!live) return this.once(vm, flags.interval);
    await this.live(vm);
    return vm.getState();
  }

  /** The session (with the admin token when actions may run), every call bounded by the smaller of --timeout and the interval (at least 1 s). */
  async viewModel(intervalMs: number, readonly: boolean, admin: boolean, kv = false): Promise<TopViewModel> {
    const callDeadlineMs = Math.min(this.globals.timeout, Math.max(1_000, intervalMs));
    const target = await this.target({ admin });
    if (target.engine === 'etcd') return this.#etcdViewModel(target.context ?? null, target.endpoints, registryPrefixOf(target), intervalMs, callDeadlineMs, readonly, kv);
    const client = await this.client({ admin, timeoutMs: callDeadlineMs });
    const extra = new Map<string, FleetClient>();
    const probeMore = async (addresses: readonly string[]) => {
      const key = addresses.join(',');
      if (!extra.has(key)) extra.set(key, await this.client({ admin, timeoutMs: callDeadlineMs, endpoints: addresses }));
      return extra.get(key)!.statusAll();
    };
    const [{ TopViewModel: Model }, { TOP_WATCH_REGISTRIES }] = await Promise.all([import('../ops/top/view-model.js'), import('../ops/top/changes.js')]);
    const changes = { registries: kv ? [...TOP_WATCH_REGISTRIES, 'kv' as const] : TOP_WATCH_REGISTRIES };
    return new Model({ source: client, intervalMs, callDeadlineMs, readonly, probeMore, changes, target: { context: target.context ?? null, endpoints: target.endpoints } });
  }

  /** An etcd cluster: its members as fleet status shows them, the registry under its prefix if one is kept there, no change stream. */
  async #etcdViewModel(context: string | null, endpoints: readonly string[], prefix: string, intervalMs: number, callDeadlineMs: number, readonly: boolean, kv: boolean): Promise<TopViewModel> {
    if (kv) throw new UsageError('--kv does not apply to an etcd cluster: top follows no etcd watch', this.helpHint());
    const client = await this.etcdClient({ timeoutMs: callDeadlineMs });
    const [{ TopViewModel: Model }, { etcdTopSource, etcdRegistryIfKept }] = await Promise.all([import('../ops/top/view-model.js'), import('../ops/etcd/top-source.js')]);
    const { EtcdRegistry } = await import('../client/etcd/registry/registry.js');
    const registry = await etcdRegistryIfKept(new EtcdRegistry(client, prefix));
    return new Model({ source: etcdTopSource(client, callDeadlineMs, registry), intervalMs, callDeadlineMs, readonly, target: { context, endpoints } });
  }

  /**
   * One frame (or the state as JSON) from two polls a moment apart: the first opens the
   * connections, so the second's round trips are the calls' own, and the pair gives writes/s.
   * Exit 3 when the cluster has no quorum.
   */
  async once(vm: TopViewModel, intervalMs: number): Promise<TopState> {
    await vm.pollOnce();
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, ONCE_GAP_MS)));
    const state = await vm.pollOnce();
    if (!this.jsonEnabled()) {
      const [{ renderTopFrame }, palette] = await Promise.all([loadUi(), this.palette()]);
      const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || PIPE_COLUMNS;
      this.log(renderTopFrame(state, { columns, color: palette.enabled }));
    }
    if (!state.header.quorum.available) process.exitCode = EXIT.unavailable;
    return state;
  }

  /** The live dashboard on the alternate screen until q, Ctrl-C or SIGTERM. */
  async live(vm: TopViewModel): Promise<void> {
    const { runTopApp } = await loadUi();
    await this.#fullScreen(vm, (color, signal) => runTopApp(vm, { color, signal }));
  }

  /** `--contexts`/`--all-contexts`: every named cluster, each polled on its own. */
  async #contexts(list: string | undefined, intervalMs: number, live: boolean): Promise<ContextsTopState> {
    const store = await this.contextStore();
    const names = await contextNamesOf(store, list);
    const callDeadlineMs = Math.min(this.globals.timeout, Math.max(1_000, intervalMs));
    const watchers = names.map((name) => contextStatusWatcher(name, store, callDeadlineMs));
    const { ContextsTopViewModel: Model } = await import('../ops/top/contexts-view-model.js');
    // Twice the calls' deadline: a poll may need a second round for members beyond the endpoints.
    const vm = new Model({ contexts: names.map((name, i) => ({ name, status: () => watchers[i]!.status() })), intervalMs, deadlineMs: 2 * callDeadlineMs });
    try {
      if (!live) return await this.#contextsOnce(vm);
      const { runContextsApp } = await loadUi();
      await this.#fullScreen(vm, (color, signal) => runContextsApp(vm, { color, signal }));
      return vm.getState();
    } finally {
      for (const w of watchers) w.close();
    }
  }

  /** One frame (or the state as JSON) from one poll of each cluster; exit 3 when any has no quorum. */
  async #contextsOnce(vm: ContextsTopViewModel): Promise<ContextsTopState> {
    const state = await vm.pollOnce();
    if (!this.jsonEnabled()) {
      const [{ renderContextsFrame }, palette] = await Promise.all([loadUi(), this.palette()]);
      const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS) || PIPE_COLUMNS;
      this.log(renderContextsFrame(state, { columns, color: palette.enabled }));
    }
    if (state.contexts.some((t) => t.state === 'unavailable')) process.exitCode = EXIT.unavailable;
    return state;
  }

  /** Runs a session's app on the alternate screen until q, Ctrl-C or SIGTERM, then stops the session. */
  async #fullScreen(session: { start(): void; stop(): Promise<void> }, app: (color: boolean, signal: AbortSignal) => Promise<void>): Promise<void> {
    const palette = await this.palette();
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGTERM', onSignal);
    process.stdout.write(ALT_SCREEN_ON);
    session.start();
    try {
      await app(palette.enabled, stop.signal);
    } finally {
      process.off('SIGTERM', onSignal);
      process.stdout.write(ALT_SCREEN_OFF);
      await session.stop();
    }
  }
}

/**
 * The dashboard's components, with React's production build unless told otherwise: the
 * development build keeps debugging records of every render, so a dashboard left open for
 * hours grew by tens of kilobytes a frame (measured: flat at 136 MB RSS in production over
 * 3,000 frames, +70 KB a frame in development).
 */
function loadUi(): Promise<typeof import('../ui/top/index.js')> {
  process.env.NODE_ENV ??= 'production';
  return import('../ui/top/index.js');
}
