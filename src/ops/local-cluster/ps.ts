/**
 * `fleet ps`: the local clusters as found on disk (cluster-state.ts), each running member with
 * the role it says it has and the cluster's leader — from the same status model `fleet status`
 * builds, so finding the leader's pid takes one command, not two joined by hand. The probe is
 * injected (the command passes fleet status's own), so the join is tested without processes.
 */
import type { Target } from '../../client/target.js';
import type { StatusMember, StatusModel, StatusRole } from '../status.js';
import { operatorAccess, viewOf, type LocalCluster, type LocalClusterView, type LocalMemberView } from './cluster-state.js';
import { endpointsOf, engineOf, listManifests } from './manifest.js';
import { clusterPaths } from './paths.js';

/** A member's role as fleet status words it; `fleet ps` shows null for a member that did not answer. */
export type PsRole = Exclude<StatusRole, 'unreachable' | 'unknown'>;

/** One member as `fleet ps` shows it: on disk, and what it says of itself. */
export interface PsMemberView extends LocalMemberView {
  /** Null when it is not running or did not answer. */
  readonly role: PsRole | null;
}

/** One local cluster as `fleet ps` shows it. */
export interface PsClusterView extends Omit<LocalClusterView, 'members'> {
  /** The member that leads, as the members say; null when none does or none answered. */
  readonly leader: string | null;
  readonly members: readonly PsMemberView[];
}

/** Asks a cluster's members for fleet status's model (fleet's or etcd's). */
export type StatusOfTarget = (target: Target) => Promise<StatusModel>;

/** The target that asks a local cluster's members themselves, with the operator's credentials, whatever its context says now. */
export async function localTarget(c: LocalCluster): Promise<Target> {
  const endpoints = endpointsOf(c.manifest);
  if (engineOf(c.manifest) === 'etcd') return { endpoints, engine: 'etcd', source: 'flag' };
  const access = await operatorAccess(c);
  return { endpoints, engine: 'fleet', source: 'flag', token: access.token, ...(access.tls ? { tls: access.tls } : {}) };
}

/**
 * The status row of a local member: by id (fleet's members), by name (an etcd member's id is
 * its hex id, its name ours), else by address.
 */
function rowOf(model: StatusModel, m: LocalMemberView): StatusMember | undefined {
  return model.members.find((r) => r.id === m.id) ?? model.members.find((r) => r.etcd?.name === m.id) ?? model.members.find((r) => r.address === m.address);
}

function roleOf(row: StatusMember | undefined): PsRole | null {
  return row === undefined || row.role === 'unreachable' || row.role === 'unknown' ? null : row.role;
}

/** What ps found on disk, with each running member's role and the leader from `model` (undefined: nobody was asked or answered). */
export function withRoles(view: LocalClusterView, model: StatusModel | undefined): PsClusterView {
  const members = view.members.map((m) => ({ ...m, role: m.running && model !== undefined ? roleOf(rowOf(model, m)) : null }));
  return { ...view, leader: members.find((m) => m.role === 'leader')?.id ?? null, members };
}

/** The view of one cluster, asking its members only when one runs; a cluster that cannot be asked shows no roles. */
async function psView(c: LocalCluster, statusOf: StatusOfTarget): Promise<PsClusterView> {
  const view = await viewOf(c);
  if (!view.members.some((m) => m.running)) return withRoles(view, undefined);
  const model = await localTarget(c).then(statusOf, () => undefined).catch(() => undefined);
  return withRoles(view, model);
}

/** Every local cluster under `root` (or only `name`), asked at once. */
export async function psClusters(root: string, statusOf: StatusOfTarget, name?: string): Promise<PsClusterView[]> {
  const manifests = (await listManifests(root)).filter((m) => name === undefined || m.name === name);
  return Promise.all(manifests.map((manifest) => psView({ manifest, paths: clusterPaths(root, manifest.name) }, statusOf)));
}
