/** The direction of imports from ../shared/DESIGN.md, enforced in `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'core-stays-below',
      comment: 'src/core never reaches up into the CLI, the UI, the client or the operator workflows.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(commands|ui|client|ops)/' },
    },
    {
      name: 'raft-is-the-algorithm-alone',
      comment: 'src/core/raft imports nothing outside itself, not even Node built-ins, but the invariant check every part of the core shares (a leaf).',
      severity: 'error',
      from: { path: '^src/core/raft/' },
      to: { pathNot: ['^src/core/raft/', '^src/core/invariant\\.ts$'] },
    },
    {
      name: 'invariant-is-a-leaf',
      comment: 'src/core/invariant.ts (checkInvariant) is imported by every part of the core, raft included: it imports nothing, not even Node built-ins.',
      severity: 'error',
      from: { path: '^src/core/invariant\\.ts$' },
      to: {},
    },
    {
      name: 'client-shares-only-the-protocol',
      comment: 'src/client must work against a remote cluster: it shares nothing with core but src/proto.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/core/' },
    },
    {
      name: 'ui-is-presentation',
      comment: 'src/ui gets data through props; it never imports the coordinator.',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: '^src/core/' },
    },
    {
      name: 'the-node-replicates-any-state',
      comment:
        'src/core/node/fleet-node.ts is the Raft member alone: it applies entries to a ReplicatedMachine and knows nothing of what they mean, ' +
        'so neither it nor anything it imports reaches the registry, the etcd keyspace, the application format or the services around it (fleet-member.ts wires those).',
      severity: 'error',
      from: { path: '^src/core/node/fleet-node\\.ts$' },
      to: { path: ['^src/core/(fleet|etcd-store)/', '^src/core/app-format\\.ts$', '^src/core/node/(fleet-member|member-api)\\.ts$', '^src/core/node/(state|services)/'], reachable: true },
    },
    {
      name: 'only-node-start-builds-a-node',
      comment:
        'Only `fleet node start` and the embedding API (src/embed) construct a member (tests and benches aside): its lean entry, src/cli/node-start.ts, ' +
        'and the process around its member, src/cli/node-run.ts, are the modules outside src/core that may reach the member assembly (src/core/server/member/) or the node itself. ' +
        "Offline tools (fleet recover) may rebuild a member's replicated state, not a member: src/core/node/state/offline-state.ts.",
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/core/', '^src/cli/node-(start|run)\\.ts$', '^src/embed/'] },
      to: { path: ['^src/core/server/member/', '^src/core/node/'], pathNot: '^src/core/node/state/offline-state\\.ts$' },
    },
    {
      name: 'member-loads-apis-when-asked',
      comment:
        'src/core/server/member/ assembles a member (assemble.ts) and gives it the APIs asked for (serve-apis.ts): the API rooms are imported, ' +
        'for more than their types, only by the files that serve them (fleet-apis.ts, admin-apis.ts, etcd-apis.ts), and those only by a dynamic import, ' +
        'so that a member given no API (fleet/embed without apis) loads none of their services.',
      severity: 'error',
      from: { path: '^src/core/server/member/', pathNot: '^src/core/server/member/(fleet|admin|etcd)-apis\\.ts$' },
      to: { path: ['^src/core/server/(fleet-api|etcd-api)/', '^src/core/server/admin/(admin|drill)-service\\.ts$'], dependencyTypesNot: ['type-only', 'dynamic-import'] },
    },
    {
      name: 'api-parts-load-on-demand',
      comment: "The member's API parts (src/core/server/member/*-apis.ts) are loaded by serve-apis.ts's dynamic import alone: a static import would load every API into every member.",
      severity: 'error',
      from: {},
      to: { path: '^src/core/server/member/(fleet|admin|etcd)-apis\\.ts$', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'embed-reaches-no-api-room',
      comment: 'src/embed reaches the APIs it serves only through serveApis: it imports nothing of fleet-api/, etcd-api/ or admin/ itself.',
      severity: 'error',
      from: { path: '^src/embed/' },
      to: { path: '^src/core/server/(fleet-api|etcd-api|admin)/' },
    },
    {
      name: 'server-guard-imports-no-room',
      comment:
        'src/core/server/guard/ serves every face of a member with what a caller must pass before work is done for it: tokens and roles, ' +
        'peer and etcd credentials, request-size limits, connection and stream bounds, refusal counters, the :authority front. ' +
        'It may import nothing else of src/core/server: every room stands on it.',
      severity: 'error',
      from: { path: '^src/core/server/guard/' },
      to: { path: '^src/core/server/', pathNot: '^src/core/server/guard/' },
    },
    {
      name: 'server-peer-imports-only-guard',
      comment:
        'src/core/server/peer/ serves the Raft conversation between members (transport, wire form, snapshot receiver, cluster id, peer trouble, the WAN drill\'s link delay). ' +
        'Of src/core/server it may import guard/ alone: no client-facing API, no admin tool, no assembly (member/).',
      severity: 'error',
      from: { path: '^src/core/server/peer/' },
      to: { path: '^src/core/server/', pathNot: '^src/core/server/(peer|guard)/' },
    },
    {
      name: 'server-fleet-api-is-its-own-face',
      comment:
        "src/core/server/fleet-api/ serves fleet.v1's clients (the Fleet service and its wire translation, Watch, health, reflection). " +
        'It may import guard/ and the shared helpers at the top of src/core/server (wire, write-forwarder); never etcd-api/, admin/ or peer/.',
      severity: 'error',
      from: { path: '^src/core/server/fleet-api/' },
      to: { path: '^src/core/server/(etcd-api|admin|peer)/' },
    },
    {
      name: 'server-etcd-api-is-its-own-face',
      comment:
        "src/core/server/etcd-api/ serves etcd v3's clients (KV, Lease, Maintenance, Cluster, Auth, Watch, Lock, Election, and the JSON gateway in gateway/). " +
        'It may import guard/, admin/ (the membership gate and the audit it shares with fleet.v1\'s Admin service) and the shared helpers at the top; never fleet-api/ or peer/.',
      severity: 'error',
      from: { path: '^src/core/server/etcd-api/' },
      to: { path: '^src/core/server/(fleet-api|peer)/' },
    },
    {
      name: 'server-admin-stays-below-the-apis',
      comment:
        "src/core/server/admin/ serves the operator's work on a member: fleet.v1's Admin and Drills services, drill faults and records, the member audit, backups, offline snapshots. " +
        'It may import guard/, peer/ (the link delay a drill sets) and the shared helpers at the top; never fleet-api/ or etcd-api/, which build on it.',
      severity: 'error',
      from: { path: '^src/core/server/admin/' },
      to: { path: '^src/core/server/(fleet-api|etcd-api)/' },
    },
    {
      name: 'server-helpers-stay-below-the-rooms',
      comment:
        'The files at the top of src/core/server are helpers several rooms share (wire, member-calls, api-off, etcd-methods, leader-path, write-forwarder, storage-adapter, metrics, ...): ' +
        'of the rooms they may import guard/ alone, so that no arrow runs from a helper back up into a room that uses it (or into the assembly, member/).',
      severity: 'error',
      from: { path: '^src/core/server/[^/]+\\.ts$' },
      to: { path: '^src/core/server/(fleet-api|etcd-api|admin|peer|member)/' },
    },
    {
      name: 'server-rooms-never-reach-the-assembly',
      comment: 'src/core/server/member/ assembles a member from the rooms; no room imports it back.',
      severity: 'error',
      from: { path: '^src/core/server/[^/]+/', pathNot: '^src/core/server/member/' },
      to: { path: '^src/core/server/member/' },
    },
    {
      name: 'common-is-a-leaf',
      comment: 'src/common is the vocabulary every layer shares (errors, durations, addresses, units): it imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'ops-stays-below-the-cli',
      comment: 'src/ops is the operator workflows: what it needs from the CLI belongs in src/common, and presentation in src/ui.',
      severity: 'error',
      from: { path: '^src/ops/' },
      to: { path: '^src/(cli|commands|ui)/' },
    },
    {
      name: 'ui-stays-below-the-cli',
      comment: 'src/ui renders from props; what it needs from the CLI belongs in src/common.',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: '^src/(cli|commands)/' },
    },
    {
      name: 'ui-takes-ops-and-client-types-only',
      comment: 'src/ui gets its data through props: it may name the types of src/ops and src/client, not run them.',
      severity: 'error',
      from: { path: '^src/ui/' },
      to: { path: '^src/(ops|client)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'library-entry-is-the-client',
      comment:
        "src/index.ts is the library ('fleet'): it exports the client (src/client, with src/common and src/proto under it) and " +
        'never reaches the CLI, the UI, the operator workflows or the coordinator, so importing it loads none of them.',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/(cli|commands|ui|ops|core)/' },
    },
    {
      name: 'client-stays-below-the-cli',
      comment: 'src/client is what the library ships: it never imports the CLI, the commands, the UI or the operator workflows.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/(cli|commands|ui|ops)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import loops, at any depth: each module can be read and tested with only what it imports below it.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or an installed package.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.check.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
