/** How fleet names etcd members: ids as etcdctl prints them, endpoints as fleet's --endpoints take them. */
import type { EtcdMember } from './types.js';

/** etcd's member ids as etcdctl prints them: 16 hex digits. */
export function etcdId(decimal: string): string {
  return BigInt(decimal).toString(16).padStart(16, '0');
}

/** The client endpoint (`host:port`) of a member: its first client URL. */
export function clientEndpoint(m: EtcdMember): string | undefined {
  const url = m.clientUrls[0];
  return url === undefined ? undefined : url.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
}
