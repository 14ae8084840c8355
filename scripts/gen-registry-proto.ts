/**
 * Writes the registry writes' messages and oneof members of proto/fleet/v1/client.proto from
 * their declaration (src/common/registry/registry-operations.ts; see scripts/registry-proto.ts), then
 * `npm run gen:proto` regenerates the TypeScript types of proto/ (`proto:gen`).
 *
 * Run: npm run gen:proto
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderRegistryProto } from './registry-proto.js';

const file = new URL('../proto/fleet/v1/client.proto', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = renderRegistryProto(before);
if (after === before) {
  console.log('proto/fleet/v1/client.proto: the registry writes are as declared');
} else {
  writeFileSync(file, after);
  console.log('proto/fleet/v1/client.proto: the registry writes rewritten from src/common/registry/registry-operations.ts');
}
