#!/usr/bin/env -S node --import tsx
// Runs fleet from its TypeScript sources, under tsx. Commands are read from src/ directly,
// because the dist-to-src mapping of oclif needs a loader registration that fails under tsx.
import { execute } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
pjson.oclif = { ...pjson.oclif, commands: './src/commands' };
await execute({ development: true, dir: import.meta.url, loadOptions: { root, pjson } });
