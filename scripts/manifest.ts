/**
 * Writes oclif.manifest.json from the compiled commands in dist/ (run `npm run build` first):
 * with a manifest, oclif imports only the command being run instead of every command module
 * (which is most of `fleet status --json`'s start-up). The `oclif manifest` command would do
 * the same but needs Node 22; @oclif/core computes the manifest itself when none exists, so
 * this loads the config without one and saves what it computed.
 *
 * Run: node --import tsx scripts/manifest.ts   (part of `npm run build`, after tsc). bin/run.js
 * ignores a manifest older than dist/commands, so a bare `tsc` can never hide a new command.
 */
import { Config } from '@oclif/core';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Production mode: read commands from dist/ as bin/run.js does, not the sources.
process.env.NODE_ENV = 'production';
const root = fileURLToPath(new URL('..', import.meta.url));
const target = join(root, 'oclif.manifest.json');
// An old manifest would be read back instead of recomputed.
rmSync(target, { force: true });
const config = await Config.load({ root });
const plugin = config.getPluginsList().find((p) => p.root === config.root);
if (plugin === undefined) throw new Error(`no root plugin at ${root}`);
const ids = Object.keys(plugin.manifest.commands);
if (ids.length === 0) throw new Error('no commands found: run `npm run build` first');
writeFileSync(target, `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`wrote ${target}: ${ids.length} commands, version ${plugin.manifest.version}`);
