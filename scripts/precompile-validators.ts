/**
 * Writes dist/client/contexts-validator.generated.js: the contexts.yaml validator as ajv's
 * standalone code, stamped with the hash of the schema it was compiled from, so that no command
 * compiles a schema at start-up (see src/client/contexts-schema.ts).
 *
 * Run: node --import tsx scripts/precompile-validators.ts   (part of `npm run build`, after tsc)
 */
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTEXTS_SCHEMA, PRECOMPILED_VALIDATOR, contextsSchemaHash } from '../dist/client/contexts-schema.js';

const ajv = new Ajv({ allErrors: false, code: { source: true, esm: true } });
const code = standaloneCode.default(ajv, ajv.compile(CONTEXTS_SCHEMA));
const target = fileURLToPath(new URL(`../dist/client/${PRECOMPILED_VALIDATOR}`, import.meta.url));
// ajv's ESM output still require()s its runtime helpers (ucs2length for minLength).
const header = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n";
writeFileSync(target, `${header}${code}\nexport const schemaHash = ${JSON.stringify(contextsSchemaHash())};\n`);
console.log(`wrote ${target}`);
