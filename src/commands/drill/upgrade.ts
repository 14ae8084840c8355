import { Flags } from '@oclif/core';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DrillCommand } from '../../cli/drill-command.js';
import { DRILL_GATE_FLAGS, gateDrill } from '../../cli/safety-gate.js';
import { UsageError } from '../../common/errors.js';
import type { DrillReport } from '../../ops/drill/index.js';
import type { PreviewDocument } from '../../ops/safety/gate.js';

export default class DrillUpgrade extends DrillCommand {
  static override summary = 'Upgrade every member in turn to another build, under a recorded workload, and verify it.';
  static override description = `A rolling restart in which each member comes back running the build --to names (a fleet checkout or package directory, or its bin/run.js; default: this fleet): followers first, the leader last, each one caught up before the next goes, the history verified as in kill-leader. Each member must run the new build once it caught up (a check per member, with the version it reports). With --from, every member must run that build before anything is touched (else exit 4, nothing changed). Needs the members' processes on this machine (a local cluster made by fleet init, or --pids). Exit codes: 0 pass, 4 a member not on --from, 5 SLO missed or no steady state, 6 unsafe. The safety gate previews the restarts first (--dry-run, --force as for the other drills).`;
  static override examples = [
    '<%= config.bin %> drill upgrade --to /opt/fleet-0.2.0',
    '<%= config.bin %> drill upgrade --from /opt/fleet-0.1.0 --to /opt/fleet-0.2.0 --report upgrade.html',
    '<%= config.bin %> drill upgrade --pids n1=4242,n2=4243,n3=4244 --from ./old/bin/run.js --json',
  ];

  static override flags = {
    ...DRILL_GATE_FLAGS,
    to: Flags.string({ description: 'the build members run after: a fleet directory, or its bin/run.js (default: this fleet)', helpValue: '<dir|bin/run.js>' }),
    from: Flags.string({ description: 'the build every member must run before: refused (exit 4) when one runs another', helpValue: '<dir|bin/run.js>' }),
  };

  async run(): Promise<DrillReport | PreviewDocument> {
    const { flags } = await this.parse(DrillUpgrade);
    const { runScript } = await import('../../ops/local-cluster/launcher.js');
    const to = flags.to === undefined ? runScript() : buildScript(flags.to, '--to');
    const from = flags.from === undefined ? undefined : buildScript(flags.from, '--from');
    const dry = await gateDrill(this, await this.gateModel({ admin: true }), 'upgrade', 'everyone', flags);
    if (dry) return dry;
    return this.drill('upgrade', flags, { upgrade: { to, ...(from === undefined ? {} : { from }) } });
  }
}

/** A build as its bin/run.js: given a directory, the one inside it. Refused (exit 2) when there is none. */
function buildScript(given: string, flag: string): string {
  const path = resolve(given);
  const script = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? join(path, 'bin', 'run.js') : path;
  if (!statSync(script, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`${flag} ${given}: no fleet build there (expected a directory holding bin/run.js, or that file)`, 'see fleet drill upgrade --help');
  return script;
}
