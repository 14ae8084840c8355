/** etcd's v3 API: the client and its types. */
export * from './client.js';
export { snapshotHashMatches } from './snapshot.js';
