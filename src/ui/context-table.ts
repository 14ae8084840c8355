/** Renderers of `fleet context list` and `fleet context show`. */
import type { ContextEntry, NamedContext } from '../client/contexts.js';
import type { Palette } from './colors.js';
import { renderFields, renderTable } from './table.js';

/** The context list: the current one marked with `*`. */
export function renderContextList(contexts: readonly NamedContext[], p: Palette): string {
  if (contexts.length === 0) return p.dim('no contexts yet: create one with fleet init, or fleet context add NAME --endpoints host:port,…');
  const rows = contexts.map((c) => [
    c.current ? p.accent('*') : '',
    c.current ? p.accent(c.name) : c.name,
    c.context.endpoints.join(','),
    credentials(c.context),
    `${c.context.local ? 'local' : 'remote'}${c.context.engine === 'etcd' ? ' etcd' : ''}`,
  ]);
  return renderTable([{ header: 'current' }, { header: 'name' }, { header: 'endpoints' }, { header: 'auth' }, { header: 'kind' }], rows, p);
}

function credentials(c: ContextEntry): string {
  const parts = [c.tokenFile ? 'token' : '', c.adminTokenFile ? 'admin-token' : '', c.user ? `user ${c.user}` : '', c.cacert || c.cert ? 'tls' : ''].filter(Boolean);
  return parts.length === 0 ? 'none' : parts.join('+');
}

/** One context's fields. */
export function renderContext(name: string, c: ContextEntry, current: boolean, p: Palette): string {
  const fields: [string, string][] = [
    ['name', current ? `${name} ${p.dim('(current)')}` : name],
    ['endpoints', c.endpoints.join(', ')],
  ];
  if (c.engine === 'etcd') fields.push(['engine', 'etcd v3'], ['registry prefix', c.prefix ?? '/fleet/ (default)']);
  if (c.tokenFile) fields.push(['token file', c.tokenFile]);
  if (c.adminTokenFile) fields.push(['admin token file', c.adminTokenFile]);
  if (c.cacert) fields.push(['ca certificate', c.cacert]);
  if (c.cert) fields.push(['client certificate', c.cert]);
  if (c.key) fields.push(['client key', c.key]);
  if (c.user) fields.push(['etcd user', c.user]);
  if (c.passwordFile) fields.push(['password file', c.passwordFile]);
  if (c.local) fields.push(['local data dir', c.local.dataDir]);
  return renderFields(fields, p);
}
