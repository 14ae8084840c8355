/**
 * Everything `npm run build` makes after tsc, in one process (each step is its own script, run
 * here in order): the precompiled wire contract and contexts validator, the oclif manifest, and
 * the bundles. test/global-setup.ts runs it too, so that the tests run the CLI as a build
 * leaves it.
 *
 * Run: node --import tsx scripts/postbuild.ts   (after tsc)
 */
await import('./precompile-proto.js');
await import('./precompile-validators.js');
await import('./manifest.js');
await import('./bundle.js');
