/**
 * The registry writes' part of proto/fleet/v1/client.proto, rendered from their declaration
 * (src/common/registry/registry-operations.ts): the command messages, the WriteRequest `command` oneof,
 * the result messages and the WriteResponse `result` oneof, each between GENERATED markers.
 * Everything outside the markers is hand-written and kept as it is.
 *
 * `scripts/gen-registry-proto.ts` writes the file; test/common/registry-proto.test.ts fails when
 * the checked-in file (or the types generated from it) differs from what this renders.
 */
import { REGISTRY_OPERATIONS, messageName, snakeCase, type Field, type Fields, type Operation } from '../src/common/registry/registry-operations.js';

/** The regions of client.proto this writes, by marker name. */
export const REGIONS = ['registry-commands', 'registry-command-oneof', 'registry-results', 'registry-result-oneof'] as const;

type Region = (typeof REGIONS)[number];

const begin = (r: Region): string => `// GENERATED BEGIN ${r}: from src/common/registry/registry-operations.ts by scripts/gen-registry-proto.ts; edit there.`;
const end = (r: Region): string => `// GENERATED END ${r}`;

/** The .proto type of a field. */
function protoType(f: Field): string {
  switch (f.kind) {
    case 'string':
    case 'namespace':
      return 'string';
    case 'optionalString':
    case 'nullableString':
    case 'casExpected':
      return 'optional string';
    case 'number':
      return f.optional ? `optional ${f.wire}` : f.wire;
    case 'bool':
      return 'bool';
    case 'enum':
      return f.enum;
    case 'map':
      return `map<string, ${f.value}>`;
    case 'list':
      return 'repeated string';
    case 'messages':
      return `repeated ${f.message}`;
    case 'wrappedMap':
    case 'view':
      return f.message;
  }
}

function comment(lines: readonly string[] | undefined, indent: string): string[] {
  return (lines ?? []).map((l) => `${indent}// ${l}`);
}

/** One message, its fields in field-number order. */
function message(name: string, fields: Fields, doc?: readonly string[]): string {
  const sorted = Object.entries(fields).sort(([, a], [, b]) => a.no - b.no);
  const body = sorted.flatMap(([n, f]) => [...comment(f.doc, '  '), `  ${protoType(f)} ${snakeCase(n)} = ${f.no};`]);
  return [...comment(doc, ''), `message ${name} {`, ...body, '}'].join('\n');
}

/** The small messages a declaration's fields use (a rebind's moves), before their first use. */
function nestedMessages(fields: Fields): string[] {
  return Object.values(fields).flatMap((f) => (f.kind === 'messages' ? [...nestedMessages(f.fields), message(f.message, f.fields)] : []));
}

const operations = (): [string, Operation][] => Object.entries(REGISTRY_OPERATIONS);

/** The text of each region, without its markers. */
export function renderRegions(): Readonly<Record<Region, string>> {
  const commands = operations().flatMap(([type, op]) => [...nestedMessages(op.args), message(messageName(type), op.args, op.doc)]);
  const results = operations().map(([type, op]) => message(`${messageName(type)}Result`, op.result));
  const oneof = (suffix: string) => operations().map(([type, op]) => `    ${messageName(type)}${suffix} ${snakeCase(messageName(type).replace(/^./, (c) => c.toLowerCase()))} = ${op.no};`).join('\n');
  return {
    'registry-commands': commands.join('\n\n'),
    'registry-command-oneof': oneof(''),
    'registry-results': results.join('\n\n'),
    'registry-result-oneof': oneof('Result'),
  };
}

/** `source` (client.proto) with every region rewritten from the declaration; throws when a marker is missing. */
export function renderRegistryProto(source: string): string {
  let out = source;
  const regions = renderRegions();
  for (const r of REGIONS) {
    const from = out.indexOf(begin(r));
    const to = out.indexOf(end(r));
    if (from < 0 || to < from) throw new Error(`client.proto: the markers of ${r} are missing or out of order`);
    // The markers keep the indentation they have; the region's text is written between them.
    const lineStart = out.lastIndexOf('\n', from) + 1;
    const indent = out.slice(lineStart, from);
    out = `${out.slice(0, from)}${begin(r)}\n${regions[r]}\n${indent}${out.slice(to)}`;
  }
  return out;
}
