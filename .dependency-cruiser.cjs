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
      name: 'only-node-start-builds-a-node',
      comment: 'Only `fleet node start` constructs a coordinator node (tests and benches aside).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(core/|commands/node/start)' },
      to: { path: '^src/core/node/' },
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
