import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { FleetCommand } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import type { BundleResult } from '../../ops/debug-bundle.js';

/** The secret files of a local cluster's home (paths.ts): their values are scrubbed from the bundle. */
const LOCAL_SECRET_FILES = ['client.token', 'admin.token', 'peer.secret'];

export default class DebugBundle extends FleetCommand {
  static override summary = 'Gather what a bug report needs into one tarball: every member\'s status and the membership; for a local cluster also metrics, recent logs, WAL and snapshot summaries and its manifest.';
  static override description = `Asks every member of the target for its status (a member that does not answer is listed in the bundle's manifest.json as a problem). For a local cluster (a context fleet init wrote) it also reads, from this machine, each member's /metrics, the last --log-lines lines of its logs, a summary of its write-ahead log (segments, entry range, damage; no entry contents) and its snapshot files' sizes, and the cluster's manifest.

No secret leaves: tokens, the peer secret and private keys are never read into the bundle, and every file is scrubbed of their values before it is packed. The tarball is written whole or not at all, readable by you only (mode 0600).

Exit 0 when every member answered; 7 when some did not (the bundle holds what could be had); 3 when none did.`;
  static override examples = [
    '<%= config.bin %> debug bundle',
    '<%= config.bin %> debug bundle --output /tmp/fleet-debug.tar.gz --log-lines 5000',
    '<%= config.bin %> debug bundle --context prod --json',
  ];
  static override flags = {
    output: Flags.string({ char: 'o', description: 'the tarball to write (default: fleet-debug-CONTEXT-TIME.tar.gz in the current directory)', helpValue: '<file>' }),
    'log-lines': Flags.integer({ description: 'lines kept from the end of each member log', default: 1_000, min: 1, max: 1_000_000, helpValue: '<n>' }),
  };

  async run(): Promise<BundleResult> {
    const { flags } = await this.parse(DebugBundle);
    const target = await this.target();
    const client = await this.client();
    const admin = await this.target({ admin: true }).catch(() => target);
    const home = target.local?.dataDir;
    const secrets = [target.token, admin.token, ...(home === undefined ? [] : await localSecrets(home))].filter((s): s is string => s !== undefined);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const output = resolve(flags.output ?? `fleet-debug-${target.context ?? 'endpoints'}-${stamp}.tar.gz`);
    const { writeDebugBundle } = await import('../../ops/debug-bundle.js');
    const result = await writeDebugBundle(
      {
        statusAll: () => client.statusAll(),
        target: { endpoints: target.endpoints, source: target.source, context: target.context ?? null, engine: target.engine, token: target.token === undefined ? null : '[redacted]', tls: target.tls ?? null },
        ...(home === undefined ? {} : { localHome: home }),
        secrets,
      },
      { output, logLines: flags['log-lines'], fleetVersion: this.config.version },
    ).catch((err: Error) => {
      throw new CliError(`could not write ${output}: ${err.message}`, { cause: err, code: 'BUNDLE_FAILED' });
    });
    this.report(result);
    return result;
  }

  private report(r: BundleResult): void {
    if (!this.jsonEnabled()) {
      this.log(`wrote ${r.file}: ${r.files.length} files, ${r.bytes.toLocaleString('en-US')} bytes; ${r.membersAnswered} of ${r.membersAsked} members answered`);
      for (const p of r.problems) this.warn(p);
    }
    if (r.membersAnswered === 0) process.exitCode = EXIT.unavailable;
    else if (r.membersAnswered < r.membersAsked) process.exitCode = EXIT.degraded;
  }
}

async function localSecrets(home: string): Promise<string[]> {
  const values = await Promise.all(LOCAL_SECRET_FILES.map((f) => readFile(join(home, f), 'utf8').catch(() => '')));
  return values.map((v) => v.trim()).filter((v) => v !== '');
}
