#!/usr/bin/env node
import { execute } from '@oclif/core';
import { loadOptions, packageRoot } from './manifest.js';

const { root, pjson } = packageRoot();
await execute({ dir: import.meta.url, loadOptions: await loadOptions({ root, pjson, commandsDir: 'dist/commands' }) });
