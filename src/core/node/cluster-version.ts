/**
 * The cluster's version: the lowest fleet version and data format among its members, agreed
 * through the log. Every member announces its own on the first batch of each peer stream; the
 * leader, once it has heard every member of the configuration, writes the lowest into
 * `fleet.system/cluster-version` (a compare-and-set, so two leaders never interleave) whenever it
 * differs from what the log holds. A feature that changes a data format is turned on only once
 * `dataFormat` here says every member reads it (`supports`), so a member on the older build never
 * meets data it cannot read during a rolling upgrade.
 */

/** Where the log keeps the agreed version (beside autopilot's settings); the registry moves the user's KV when it says format 5. */
export { CLUSTER_VERSION_KV } from '../fleet/index.js';

/** What a member announces about itself. */
export interface AnnouncedVersion {
  readonly version: string;
  readonly dataFormat: number;
}

/** The agreed version, as stored. */
export interface ClusterVersion extends AnnouncedVersion {
  /** The revision of the kv key that recorded it. */
  readonly revision: number;
}

/**
 * Orders two versions `MAJOR.MINOR.PATCH[-PRE]` as semver does for these parts (a pre-release
 * sorts before its release); a part that is not a number sorts by text. Negative: `a` is older.
 */
export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA] = splitPre(a);
  const [coreB = '', preB] = splitPre(b);
  const partsA = coreA.split('.');
  const partsB = coreB.split('.');
  for (let i = 0; i < Math.max(partsA.length, partsB.length); i++) {
    const d = comparePart(partsA[i] ?? '0', partsB[i] ?? '0');
    if (d !== 0) return d;
  }
  if (preA === preB) return 0;
  if (preA === undefined) return 1;
  if (preB === undefined) return -1;
  return preA < preB ? -1 : 1;
}

function splitPre(v: string): [string, string | undefined] {
  const dash = v.indexOf('-');
  return dash < 0 ? [v, undefined] : [v.slice(0, dash), v.slice(dash + 1)];
}

function comparePart(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isSafeInteger(na) && Number.isSafeInteger(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The lowest of the announced versions (and, separately, data formats); undefined for none. */
export function lowestVersion(announced: readonly AnnouncedVersion[]): AnnouncedVersion | undefined {
  if (announced.length === 0) return undefined;
  let version = announced[0]!.version;
  let dataFormat = announced[0]!.dataFormat;
  for (const a of announced) {
    if (compareVersions(a.version, version) < 0) version = a.version;
    dataFormat = Math.min(dataFormat, a.dataFormat);
  }
  return { version, dataFormat };
}

/** The stored value, or undefined when it is absent or unreadable (it is then written again). */
export function decodeClusterVersion(value: string | undefined, revision: number): ClusterVersion | undefined {
  if (value === undefined) return undefined;
  try {
    const v = JSON.parse(value) as Partial<AnnouncedVersion>;
    if (typeof v.version !== 'string' || !Number.isSafeInteger(v.dataFormat)) return undefined;
    return { version: v.version, dataFormat: v.dataFormat as number, revision };
  } catch {
    return undefined;
  }
}

/** What the keeper needs from its member. */
export interface VersionKeeperDeps {
  readonly self: { readonly id: string } & AnnouncedVersion;
  /** Every member of the configuration, voters and learners. */
  members(): readonly string[];
  isLeader(): boolean;
  /** The stored value and its revision, as this member applied it. */
  stored(): { readonly value: string; readonly revision: number } | undefined;
  /** Replaces the stored value if it is still `expected` (undefined: absent). */
  write(expected: string | undefined, value: string): Promise<void>;
  log(fields: Record<string, unknown>, msg: string): void;
}

export class ClusterVersionKeeper {
  private readonly heard = new Map<string, AnnouncedVersion>();
  private writing = false;
  /** The stored value decoded, with the revision it was decoded at. */
  private decoded: { revision: number; value: ClusterVersion | undefined } | undefined;

  constructor(private readonly deps: VersionKeeperDeps) {}

  /** A peer announced its version (the latest announcement wins: a member is restarted on another build). */
  learn(peer: string, announced: AnnouncedVersion): void {
    this.heard.set(peer, announced);
  }

  /** A member's version as this member heard it (its own for itself); undefined when not heard. */
  versionOf(id: string): string | undefined {
    return id === this.deps.self.id ? this.deps.self.version : this.heard.get(id)?.version;
  }

  /** The agreed version, as this member applied it. */
  current(): ClusterVersion | undefined {
    const stored = this.deps.stored();
    if (stored === undefined) return undefined;
    // Asked on every etcd write (supports): decoded once per stored revision.
    if (this.decoded?.revision !== stored.revision) this.decoded = { revision: stored.revision, value: decodeClusterVersion(stored.value, stored.revision) };
    return this.decoded.value;
  }

  /** Whether every member reads data format `format`, as the log says: a format change waits for it. */
  supports(format: number): boolean {
    return (this.current()?.dataFormat ?? 1) >= format;
  }

  /** On the leader: writes the lowest version once every member was heard and it differs from the stored one. */
  async round(): Promise<void> {
    if (!this.deps.isLeader() || this.writing) return;
    const announced: AnnouncedVersion[] = [];
    for (const id of this.deps.members()) {
      const v = id === this.deps.self.id ? this.deps.self : this.heard.get(id);
      // A member not heard yet (or one that predates announcing) leaves the version where it is.
      if (v === undefined || v.version === '') return;
      announced.push(v);
    }
    const lowest = lowestVersion(announced);
    const stored = this.deps.stored();
    const now = stored === undefined ? undefined : decodeClusterVersion(stored.value, stored.revision);
    if (lowest === undefined || (now?.version === lowest.version && now.dataFormat === lowest.dataFormat)) return;
    this.writing = true;
    try {
      await this.deps.write(stored?.value, JSON.stringify(lowest));
      this.deps.log({ from: now?.version ?? null, to: lowest.version, dataFormat: lowest.dataFormat }, 'the cluster version changed');
    } catch (err) {
      this.deps.log({ err }, 'could not record the cluster version; trying again next round');
    } finally {
      this.writing = false;
    }
  }
}
