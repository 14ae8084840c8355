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
      comment: 'src/core/raft imports nothing outside itself, not even Node built-ins.',
      severity: 'error',
      from: { path: '^src/core/raft/' },
      to: { pathNot: '^src/core/raft/' },
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
      to: { path: ['^src/core/(fleet|etcd-store)/', '^src/core/app-format\\.ts$', '^src/core/node/(app-machine|member-state|fleet-member|member-api)\\.ts$', '^src/core/node/services/'], reachable: true },
    },
    {
      name: 'only-node-start-builds-a-node',
      comment:
        'Only `fleet node start` and the embedding API (src/embed) construct a coordinator node (tests and benches aside): its lean entry, src/cli/node-start.ts, ' +
        'is the one module outside src/core that may reach the coordinator (src/core/server/coordinator.ts) or the node itself.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/core/', '^src/cli/node-start\\.ts$', '^src/embed/'] },
      to: { path: ['^src/core/server/coordinator\\.ts$', '^src/core/node/'] },
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
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
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
