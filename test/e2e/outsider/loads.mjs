// Imports 'fleet', connects (FLEET_ENDPOINTS), writes and closes; then prints the CommonJS
// modules loaded meanwhile, as JSON (hooks.mjs logs the ES modules).
import { createRequire } from 'node:module';

const { connect } = await import('fleet');
const client = await connect();
await client.kvPut('loads', 'checked', { ns: 'outsider' });
client.close();
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
