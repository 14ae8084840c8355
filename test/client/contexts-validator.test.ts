import { Ajv } from 'ajv';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTEXTS_SCHEMA, PRECOMPILED_VALIDATOR, contextsSchemaHash, type ContextsCheck } from '../../src/client/contexts-schema.js';

/**
 * The validator the build writes (dist/client; npm test builds first) is the one `fleet` uses once
 * built; the tests of contexts.ts run from the sources, where ajv compiles the schema instead. The
 * two must agree, including on the lengths ajv counts in characters, not UTF-16 units (its
 * ucs2length helper, written into the built module).
 */
const built = (await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'client', PRECOMPILED_VALIDATOR)).href)) as { schemaHash: string; default: ContextsCheck };
const compiled = new Ajv({ allErrors: false }).compile(CONTEXTS_SCHEMA) as ContextsCheck;

const withPrefix = (prefix: string) => ({ current: 'a', contexts: { a: { endpoints: ['127.0.0.1:7781'], engine: 'etcd', prefix } } });
const documents: [string, unknown][] = [
  ['a plain context', { current: null, contexts: { a: { endpoints: ['127.0.0.1:7781'], tokenFile: '/t' } } }],
  ['no endpoints', { current: null, contexts: { a: { endpoints: [] } } }],
  ['an empty token path', { current: null, contexts: { a: { endpoints: ['127.0.0.1:7781'], tokenFile: '' } } }],
  ['an unknown field', { current: null, contexts: { a: { endpoints: ['127.0.0.1:7781'], colour: 'red' } } }],
  ['a prefix of 253 characters outside the BMP (506 UTF-16 units)', withPrefix('😀'.repeat(253))],
  ['a prefix of 254 such characters', withPrefix('😀'.repeat(254))],
  ['a prefix of 253 ASCII characters', withPrefix('p'.repeat(253))],
  ['a prefix of 254 ASCII characters', withPrefix('p'.repeat(254))],
];

describe('the built contexts validator', () => {
  it('is built from the current schema', () => {
    expect(built.schemaHash).toBe(contextsSchemaHash());
  });

  it.each(documents)('decides as ajv does: %s', (_name, doc) => {
    expect(built.default(doc)).toBe(compiled(doc));
  });

  it('counts characters, not UTF-16 units', () => {
    expect(built.default(withPrefix('😀'.repeat(253)))).toBe(true);
    expect(built.default(withPrefix('😀'.repeat(254)))).toBe(false);
  });
});
