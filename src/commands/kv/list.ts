import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { consistencyFlag, limitFlag } from '../../cli/flags.js';
import { ServedReads } from '../../cli/read-consistency.js';

export default class KvList extends FleetCommand {
  static override summary = 'List keys (and values) under a prefix, page by page.';
  static override description = '--json prints one document: {"entries": [ … one per line … ], "next": cursor|null, "servedBy": member, "appliedIndex": n}; servedBy and appliedIndex are those of the last page read (each page is one read at --consistency).';
  static override examples = [
    '<%= config.bin %> kv list',
    '<%= config.bin %> kv list --prefix config/ --json',
    '<%= config.bin %> kv list --limit 100 --after config/m',
    { description: 'Read your own write on the member reached (1042: the "index" the write printed with --json)', command: '<%= config.bin %> kv list --prefix config/ --consistency min-index:1042 --json' },
  ];
  static override aliases = ['kv:ls'];
  static override flags = {
    prefix: Flags.string({ description: 'only keys starting with this', default: '', helpValue: '<prefix>' }),
    limit: limitFlag,
    after: Flags.string({ description: 'start after this key (the cursor a previous --limit printed)', helpValue: '<key>' }),
    ns: Flags.string({ description: 'namespace (default: the default one)', default: '', helpValue: '<ns>' }),
    consistency: consistencyFlag(),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(KvList);
    const engine = await this.engine();
    const reads = new ServedReads(flags.consistency);
    const [{ streamPages }, ui, { StreamingTable }, p] = await Promise.all([
      import('../../cli/paged-output.js'),
      import('../../ui/registry-tables.js'),
      import('../../ui/streaming-table.js'),
      this.palette(),
    ]);
    const table = new StreamingTable(ui.KV_COLUMNS, p);
    const result = await streamPages({
      fetch: (after, limit) => engine.kvList({ prefix: flags.prefix, ns: flags.ns, limit, ...reads.options, ...(after === undefined ? {} : { after }) }),
      after: flags.after,
      limit: flags.limit,
      json: this.jsonEnabled(),
      key: 'entries',
      lines: (items) => table.format(items.map(ui.kvRow)),
      out: process.stdout,
      trailer: () => reads.fields(),
    });
    if (!this.jsonEnabled() && result.next !== null) this.logToStderr(p.dim(`more after ${result.next}: add --after ${result.next}`));
  }

}
