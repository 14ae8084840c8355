/**
 * The schema of contexts.yaml, and its validator. `npm run build` compiles the validator ahead of
 * time (scripts/precompile-validators.ts, ajv's standalone code) into dist/client, because
 * compiling it with ajv at run time took a tenth of `fleet status`'s start-up. The compiled
 * module carries the hash of the schema it came from; when it is missing (runs from the sources)
 * or stale (dist rebuilt by a bare tsc after the schema changed), ajv compiles the schema here.
 */
import { createHash } from 'node:crypto';

/** Context names: what a shell and a YAML key take without quoting. */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const ENDPOINT = '^(\\[[0-9a-fA-F:]+\\]|[A-Za-z0-9.-]+):\\d{1,5}$';
const path = { type: 'string', minLength: 1 } as const;

export const CONTEXTS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['contexts'],
  properties: {
    current: { type: ['string', 'null'] },
    contexts: {
      type: 'object',
      propertyNames: { pattern: CONTEXT_NAME.source },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['endpoints'],
        properties: {
          endpoints: { type: 'array', minItems: 1, items: { type: 'string', pattern: ENDPOINT } },
          tokenFile: path,
          adminTokenFile: path,
          cacert: path,
          cert: path,
          key: path,
          local: { type: 'object', additionalProperties: false, required: ['dataDir'], properties: { dataDir: path } },
          engine: { type: 'string', enum: ['fleet', 'etcd'] },
          region: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' },
          user: { type: 'string', minLength: 1 },
          passwordFile: path,
          prefix: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
        },
      },
    },
  },
} as const;

/** The file name of the compiled validator, beside this module in dist/client. */
export const PRECOMPILED_VALIDATOR = 'contexts-validator.generated.js';

/** One validation error, as ajv reports it (the fields the store reads). */
export interface ContextsCheckError {
  readonly instancePath: string;
  readonly message?: string | undefined;
}

/** A validator: true when the document fits the schema, else false with `errors` set. */
export interface ContextsCheck {
  (doc: unknown): boolean;
  errors?: readonly ContextsCheckError[] | null | undefined;
}

/** The hash a compiled validator must carry to be used. */
export function contextsSchemaHash(): string {
  return createHash('sha256').update(JSON.stringify(CONTEXTS_SCHEMA)).digest('hex');
}

let loaded: Promise<ContextsCheck> | undefined;

/** The validator: the compiled one when it is current, else one compiled by ajv now. */
export function loadContextsCheck(): Promise<ContextsCheck> {
  loaded ??= (async () => {
    try {
      const compiled = (await import(new URL(`./${PRECOMPILED_VALIDATOR}`, import.meta.url).href)) as { schemaHash: string; default: ContextsCheck };
      if (compiled.schemaHash === contextsSchemaHash()) return compiled.default;
    } catch {
      // Not built: compile below.
    }
    const { Ajv } = await import('ajv');
    return new Ajv({ allErrors: false }).compile(CONTEXTS_SCHEMA) as ContextsCheck;
  })();
  return loaded;
}
