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
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CONTEXTS_SCHEMA, PRECOMPILED_VALIDATOR, contextsSchemaHash } from '../dist/client/contexts-schema.js';

const ajv = new Ajv({ allErrors: false, code: { source: true, esm: true } });
const code = standaloneCode.default(ajv, ajv.compile(CONTEXTS_SCHEMA));
const target = fileURLToPath(new URL(`../dist/client/${PRECOMPILED_VALIDATOR}`, import.meta.url));
writeFileSync(target, `${withRuntimeInlined(code)}\nexport const schemaHash = ${JSON.stringify(contextsSchemaHash())};\n`);
console.log(`wrote ${target}`);

/**
 * ajv's ESM output still require()s its runtime helpers (ucs2length, for minLength). Loading one
 * at run time set up Node's CommonJS loader and resolved the ajv package in every `fleet status`
 * (a few ms); the helpers that are one self-contained function are written into the module
 * instead, from the installed ajv's own code. Any other helper keeps its require.
 */
function withRuntimeInlined(source: string): string {
  const SELF_CONTAINED = new Set(['ucs2length']);
  const requireOf = createRequire(import.meta.url);
  const inlined = new Map<string, string>();
  const out = source.replace(/require\("ajv\/dist\/runtime\/(\w+)"\)\.default/g, (call, name: string) => {
    if (!SELF_CONTAINED.has(name)) return call;
    const fn = (requireOf(`ajv/dist/runtime/${name}`) as { default: (...args: never[]) => unknown }).default;
    inlined.set(name, `const ajvRuntime_${name} = ${fn.toString()};`);
    return `ajvRuntime_${name}`;
  });
  const header = /require\(/.test(out) ? "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n" : '';
  return `${header}${[...inlined.values()].join('\n')}\n${out}`;
}
