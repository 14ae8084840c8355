import { Args, Flags } from '@oclif/core';
import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FleetCommand, GLOBAL_FLAGS } from '../../cli/base-command.js';
import { CliError, EXIT } from '../../common/errors.js';
import { placementLabelProblem } from '../../common/placement.js';
import { endpointsFlag } from '../../cli/flags.js';
import type { ContextEntry, Mutable } from '../../client/contexts.js';

export default class ContextAdd extends FleetCommand {
  static override summary = 'Add a context: a named cluster with its endpoints and credentials.';
  static override description = `Tokens are referenced by file (mode 0600), never stored in contexts.yaml. The first context added becomes current; pass --use to switch to a later one.

The same commands then work against that cluster as against a local one, e.g. \`fleet status --context NAME\`.

With --etcd, the fleet registry (shards, clusters, rebind plans, domains, quotas, providers, leases) is kept in that etcd cluster under --prefix (default /fleet/), so several fleets can share one etcd cluster; FLEET_ETCD_PREFIX overrides the context's prefix.`;
  static override examples = [
    '<%= config.bin %> context add prod-eu --endpoints 10.0.0.1:7781,10.0.0.2:7781,10.0.0.3:7781 --token-file ~/.fleet/prod-token --admin-token-file ~/.fleet/prod-admin --cacert ca.pem --use',
    '<%= config.bin %> context add lab --endpoints 127.0.0.1:7781',
    '<%= config.bin %> context add prod-ap --endpoints 10.0.0.1:7781,10.2.0.9:7781 --region ap-south-1 --token-file ~/.fleet/prod-token',
    '<%= config.bin %> context add etcd-prod --etcd --endpoints 10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379 --cacert ca.pem --cert client.pem --key client-key.pem --user root --password-file ~/.etcd/root-pw',
    '<%= config.bin %> context add etcd-team-a --etcd --endpoints 10.0.0.1:2379 --prefix /team-a/fleet/',
  ];
  static override baseFlags = { debug: GLOBAL_FLAGS.debug };
  static override args = { name: Args.string({ description: 'context name (letters, digits, . - _)', required: true }) };
  static override flags = {
    endpoints: endpointsFlag({ description: "members' host:port, comma-separated", required: true }),
    'token-file': Flags.string({ description: 'file holding the client token', helpValue: '<file>' }),
    'admin-token-file': Flags.string({ description: 'file holding the admin token (members, leader, snapshot)', helpValue: '<file>' }),
    cacert: Flags.string({ description: 'CA certificate (PEM) to verify members with', helpValue: '<file>' }),
    cert: Flags.string({ description: 'client certificate (PEM), presented to members run with --tls-ca (mutual TLS), which require one; members without a CA ignore it', helpValue: '<file>' }),
    key: Flags.string({ description: 'client private key (PEM)', helpValue: '<file>' }),
    etcd: Flags.boolean({ description: "an etcd v3 cluster (3.4 or later): the endpoints are its members' client URLs (host:port)", default: false }),
    user: Flags.string({ description: "etcd user (etcd's own auth; needs --password-file)", helpValue: '<name>', dependsOn: ['etcd', 'password-file'] }),
    'password-file': Flags.string({ description: "file holding the etcd user's password", helpValue: '<file>', dependsOn: ['user'] }),
    prefix: Flags.string({ description: 'etcd only: the key prefix the fleet registry is kept under (default /fleet/; env FLEET_ETCD_PREFIX overrides it)', helpValue: '<prefix>', dependsOn: ['etcd'] }),
    region: Flags.string({ description: 'the region you read from: min-index and max-staleness reads go first to members (read replicas included) that run in it', helpValue: '<region>' }),
    use: Flags.boolean({ description: 'make it the current context', default: false }),
    overwrite: Flags.boolean({ description: 'replace an existing context of that name', default: false }),
  };

  async run(): Promise<{ name: string; current: boolean } & ContextEntry> {
    const { args, flags } = await this.parse(ContextAdd);
    const files = [['tokenFile', 'token-file'], ['adminTokenFile', 'admin-token-file'], ['cacert', 'cacert'], ['cert', 'cert'], ['key', 'key']] as const;
    if (flags.etcd && (flags['token-file'] !== undefined || flags['admin-token-file'] !== undefined)) {
      throw new CliError('etcd takes no fleet token: use --user and --password-file for its auth', { exitCode: EXIT.usage });
    }
    const entry: Mutable<ContextEntry> = { endpoints: flags.endpoints, ...(flags.etcd ? { engine: 'etcd' as const } : {}) };
    for (const [field, flag] of files) if (flags[flag] !== undefined) entry[field] = await readable(flags[flag], `--${flag}`);
    if (flags.region !== undefined) {
      const problem = placementLabelProblem(flags.region, '--region');
      if (problem !== undefined) throw new CliError(problem, { exitCode: EXIT.usage });
      entry.region = flags.region;
    }
    if (flags.user !== undefined) entry.user = flags.user;
    if (flags.prefix !== undefined) {
      // A control character in a key prefix would make `kv list` output lie, as in any name.
      // eslint-disable-next-line no-control-regex
      if (flags.prefix === '' || /[\u0000-\u001f\u007f]/.test(flags.prefix)) throw new CliError(`--prefix ${JSON.stringify(flags.prefix)}: give a non-empty prefix without control characters, e.g. /team-a/fleet/`, { exitCode: EXIT.usage });
      entry.prefix = flags.prefix;
    }
    if (flags['password-file'] !== undefined) entry.passwordFile = await readable(flags['password-file'], '--password-file');
    const store = await this.contextStore();
    if (!flags.overwrite && (await store.get(args.name)) !== undefined) {
      throw new CliError(`context ${args.name} already exists`, { hint: 'pass --overwrite to replace it', exitCode: EXIT.precondition, code: 'EXISTS' });
    }
    await store.put(args.name, entry, { makeCurrent: flags.use });
    const current = (await store.current())?.name === args.name;
    this.log(`added context ${args.name}${current ? ' (current)' : ` (switch with: fleet context use ${args.name})`}`);
    return { name: args.name, current, ...(await store.require(args.name)) };
  }
}

/** The absolute path of a file the CLI must be able to read later; fails now rather than at first use. */
async function readable(file: string, what: string): Promise<string> {
  const path = resolve(file);
  try {
    await access(path, constants.R_OK);
  } catch {
    throw new CliError(`${what} ${path} is not readable`, { exitCode: EXIT.usage, hint: 'check the path and its permissions' });
  }
  return path;
}
