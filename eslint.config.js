import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Nothing under src/core ends the process (DESIGN.md: "nothing exits the host process but the
 * host"): a member hands a fatal fault to its caller (`onFatal`), and `fleet node start`'s process
 * (src/cli/node-run.ts) decides to exit.
 */
const NO_EXIT = { object: 'process', property: 'exit', message: 'src/core never exits the process: hand the fault to the caller (onFatal); src/cli/node-run.ts exits.' };

/** Rules that keep clocks, timers and randomness (and `extra` modules and properties) out of a directory: they must come through a port. */
function nodeRuntimeRules(message, extra = {}) {
  const timers = ['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate'];
  return {
    'no-restricted-globals': ['error', ...[...timers, 'performance'].map((name) => ({ name, message }))],
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message },
      { object: 'Math', property: 'random', message },
      { object: 'performance', property: 'now', message },
      { object: 'process', property: 'hrtime', message },
      { object: 'crypto', property: 'randomInt', message },
      { object: 'crypto', property: 'randomBytes', message },
      { object: 'crypto', property: 'randomUUID', message },
      // Repeated from the src/core block below, which this one replaces for its directory.
      NO_EXIT,
      ...(extra.properties ?? []),
    ],
    'no-restricted-imports': [
      'error',
      {
        paths: [
          ...['node:crypto', 'crypto'].map((name) => ({ name, importNames: ['randomInt', 'randomBytes', 'randomUUID', 'randomFillSync', 'webcrypto'], message })),
          ...['node:timers', 'timers', 'node:timers/promises', 'timers/promises', 'node:perf_hooks', 'perf_hooks'].map((name) => ({ name, message })),
          ...(extra.modules ?? []),
        ],
      },
    ],
    'no-restricted-syntax': ['error', { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message }],
  };
}

export default tseslint.config(
  { ignores: ['.dependency-cruiser.cjs', 'dist/**', 'node_modules/**', 'src/proto/generated/**', 'coverage/**', 'temp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Before the blocks of src/core's directories, whose own no-restricted-properties repeat NO_EXIT.
    files: ['src/core/**/*.ts'],
    rules: { 'no-restricted-properties': ['error', NO_EXIT] },
  },
  {
    // The Raft core is a pure, deterministic state machine: time, randomness and timers come from outside.
    files: ['src/core/raft/**/*.ts', 'src/core/invariant.ts'],
    rules: {
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process', 'performance'],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Inject randomness through Config.random.' },
        { object: 'Date', property: 'now', message: 'The core counts ticks; it has no clock.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'FunctionDeclaration[async=true]', message: 'The Raft core is synchronous.' },
        { selector: 'ArrowFunctionExpression[async=true]', message: 'The Raft core is synchronous.' },
        { selector: 'NewExpression[callee.name="Date"]', message: 'The core counts ticks; it has no clock.' },
      ],
    },
  },
  {
    // A member's clock, timers and randomness come from its NodeRuntime (src/core/node/runtime.ts),
    // so that the simulator runs the production code on simulated time with a seeded generator.
    files: ['src/core/node/**/*.ts'],
    ignores: ['src/core/node/runtime.ts'],
    rules: nodeRuntimeRules('Use the NodeRuntime (src/core/node/runtime.ts).', {
      properties: [{ object: 'process', property: 'memoryUsage', message: 'Use the NodeRuntime (src/core/node/runtime.ts).' }],
    }),
  },
  {
    // Storage reaches the file system, the clock and other processes only through its port
    // (src/core/storage/fs-port.ts), so that the simulator runs it on a simulated disk. Node's
    // side of the port is wired in node-fs.ts alone.
    files: ['src/core/storage/**/*.ts'],
    ignores: ['src/core/storage/node-fs.ts'],
    rules: nodeRuntimeRules('Storage takes time, randomness and processes from its port (src/core/storage/fs-port.ts).', {
      modules: ['node:fs', 'fs', 'node:fs/promises', 'fs/promises'].map((name) => ({
        name,
        message: 'Storage reaches the file system through its port (fs-port.ts); only node-fs.ts wires node:fs.',
      })),
      properties: ['pid', 'kill'].map((property) => ({ object: 'process', property, message: 'Storage asks about processes through its port (StorageIo.process).' })),
    }),
  },
  {
    // A function fits on a screen (STYLE.md, after TigerBeetle's limit): a service factory builds
    // each handler with a named function, so the file reads top-down.
    files: ['src/core/server/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 70, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.mjs', 'test/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' } },
  },
);
