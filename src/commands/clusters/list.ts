import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag, durationFlag, limitFlag } from '../../cli/flags.js';
import { ServedReads } from '../../cli/read-consistency.js';

export default class ClustersList extends FleetCommand {
  static override summary = 'List clusters and their bindings, page by page.';
  static override description = `Streams the registry a page at a time, so even 1,000,000 clusters list without holding them all. Filters: one shard, unbound clusters, or clusters not seen for a while. With --limit, stops after N and prints the cursor to continue with --after.

--json prints one document: {"clusters": [ … one per line … ], "next": cursor|null, "servedBy": member, "appliedIndex": n}; servedBy and appliedIndex are those of the last page read (each page is one read at --consistency).`;
  static override examples = [
    '<%= config.bin %> clusters list',
    '<%= config.bin %> clusters list --shard s1 --limit 100',
    '<%= config.bin %> clusters list --unbound --json',
    '<%= config.bin %> clusters list --stale 1h --limit 50 --after c-00049',
    { description: 'List from any member whose data is at most 5 seconds behind the leader\'s', command: '<%= config.bin %> clusters list --shard s1 --consistency max-staleness:5s --json' },
  ];
  static override flags = {
    shard: Flags.string({ description: 'only clusters bound to this shard', helpValue: '<id>', exclusive: ['unbound'] }),
    unbound: Flags.boolean({ description: 'only clusters bound to no shard', default: false }),
    stale: durationFlag({ description: 'only clusters not seen for this long (e.g. 1h)' }),
    limit: limitFlag,
    after: Flags.string({ description: 'start after this cluster name (the cursor a previous --limit printed)', helpValue: '<name>' }),
    consistency: consistencyFlag(),
    'page-size': Flags.integer({ description: 'clusters per request', default: 1_000, min: 1, max: 10_000, hidden: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClustersList);
    const registry = await this.registry();
    const [{ streamPages }, ui, p] = await Promise.all([import('../../cli/paged-output.js'), import('../../ui/registry-tables.js'), this.palette()]);
    const { StreamingTable } = await import('../../ui/streaming-table.js');
    const table = new StreamingTable(ui.CLUSTER_COLUMNS, p);
    const now = Date.now();
    const reads = new ServedReads(flags.consistency);
    const filter = { ...(flags.shard ? { shard: flags.shard } : {}), unbound: flags.unbound, ...(flags.stale === undefined ? {} : { staleSinceMs: flags.stale }) };
    const result = await streamPages({
      fetch: (after, limit) => registry.listClusters({ ...filter, ...reads.options, ...(after === undefined ? {} : { after }), limit }),
      after: flags.after,
      limit: flags.limit,
      pageSize: flags['page-size'],
      json: this.jsonEnabled(),
      key: 'clusters',
      lines: (items) => table.format(items.map((c) => ui.clusterRow(c, p, now))),
      out: process.stdout,
      trailer: () => reads.fields(),
    });
    if (!this.jsonEnabled() && result.next !== null) this.logToStderr(p.dim(`more after ${result.next}: add --after ${result.next}`));
  }
}
