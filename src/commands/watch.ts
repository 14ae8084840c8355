import { Args, Flags } from '@oclif/core';
import { FleetCommand } from '../cli/base-command.js';
import type { WatchRegistry } from '../client/types.js';

const REGISTRIES: WatchRegistry[] = ['kv', 'shards', 'clusters', 'domains', 'quotas', 'providers', 'leases'];

export default class Watch extends FleetCommand {
  static override summary = 'Stream changes as they commit: KV keys under a prefix, or a registry\'s entries.';
  static override description = `One line per change: index, type (put/delete for KV, else the registry operation such as cluster.rebind), key, old and new value. With --json, one JSON document per line: {"index", "registry", "type", "ns", "key", "old", "new"} (old/new null when the key did not or no longer exists).

Changes stream from a member as it applies them (a server-side stream, not polling). If that member goes away (a leader change, a restart) the watch continues on another member from the last index seen + 1: nothing is lost or repeated. It gives up when no member answers for 15 s (exit 3).

Resume a watch that stopped with --from-index (the last index printed + 1). Each member keeps its last 10,000 changes (at most about 64 MiB) in memory, and a KV change only while the keyspace's history holds it (compaction, see node start's --etcd-auto-compaction-*, removes older revisions); asking for an older index fails with exit 4, naming the oldest index still available. Ctrl-C ends the watch (exit 0).`;
  static override examples = [
    '<%= config.bin %> watch config/',
    '<%= config.bin %> watch --ns app1 --json',
    '<%= config.bin %> watch --registry clusters',
    '<%= config.bin %> watch --registry shards --from-index 1200 --json',
  ];
  static override args = {
    prefix: Args.string({ description: 'only keys starting with this (KV keys, or the registry\'s ids)', default: '' }),
  };
  static override flags = {
    ns: Flags.string({ description: 'KV namespace (default: the default one)', default: '', helpValue: '<ns>' }),
    registry: Flags.string({ description: 'watch this registry instead of the KV store', options: REGISTRIES, default: 'kv' }),
    'from-index': Flags.integer({ description: 'start at this index (default: the next change); to resume, the last index seen + 1', min: 1, helpValue: '<n>' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Watch);
    if (flags.registry !== 'kv' && flags.ns !== '') {
      const { UsageError } = await import('../common/errors.js');
      throw new UsageError('--ns applies to the KV store only; drop it or --registry');
    }
    const client = await this.client();
    const [{ watchLine, watchJsonLine }, p] = await Promise.all([import('../ui/watch-lines.js'), this.palette()]);
    const stop = new AbortController();
    const end = (): void => stop.abort();
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    try {
      const batches = client.watch({
        registry: flags.registry as WatchRegistry,
        ns: flags.ns,
        prefix: args.prefix,
        ...(flags['from-index'] === undefined ? {} : { fromIndex: flags['from-index'] }),
        signal: stop.signal,
        reconnectMs: Math.max(15_000, this.globals.timeout),
        // Also with --json (oclif's logToStderr is silent then): a script's log should say the watch moved.
        onReconnect: (r) => process.stderr.write(`${p.dim(`watch: ${r.reason}; resuming at index ${r.nextIndex} on another member`)}\n`),
      });
      for await (const batch of batches) {
        const lines = batch.events.map((e) => (this.jsonEnabled() ? watchJsonLine(e) : watchLine(e, p)));
        if (!process.stdout.write(`${lines.join('\n')}\n`)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      }
    } finally {
      process.removeListener('SIGINT', end);
      process.removeListener('SIGTERM', end);
    }
  }
}
