#!/usr/bin/env -S node --import tsx
// Runs fleet from its TypeScript sources, under tsx. Commands are read from src/ directly,
// because the dist-to-src mapping of oclif needs a loader registration that fails under tsx;
// the manifest (which describes dist/) is never used here.
import { execute } from '@oclif/core';
import { loadOptions, packageRoot } from './manifest.js';

const { root, pjson } = packageRoot();
pjson.oclif = { ...pjson.oclif, commands: './src/commands' };
await execute({ development: true, dir: import.meta.url, loadOptions: await loadOptions({ root, pjson, commandsDir: 'src/commands', ignoreManifest: true }) });
