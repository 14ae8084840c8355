/**
 * Where the other members run: their addresses (from the founding list, membership changes and
 * their own announcements, persisted) and their zone, region and read-replica flag (as each
 * announced them on its peer stream, not persisted: re-announced on every stream).
 */
import type { ConfChange, ConfState } from '../raft/index.js';
import type { Placement } from './api.js';
import type { NodeStorage } from './storage-port.js';
import type { NodeLogger } from './node-types.js';

export class MemberList {
  private readonly addresses = new Map<string, string>();
  private readonly placements = new Map<string, Placement>();

  constructor(
    private readonly self: { readonly id: string; readonly placement?: Placement | undefined },
    founders: ReadonlyMap<string, string>,
    private readonly storage: NodeStorage,
    private readonly logger: NodeLogger,
  ) {
    // Those recovered from the data dir (members that joined later) take precedence.
    for (const [id, address] of founders) this.addresses.set(id, address);
    for (const [id, address] of storage.recovered.members) this.addresses.set(id, address);
  }

  addressOf(id: string): string {
    return this.addresses.get(id) ?? '';
  }

  /**
   * Whether `id` may speak to this member: it is in the configuration (or is a member being
   * added, whose address the membership recorded). A member that knows no configuration yet
   * (started with `--join`) hears from any authenticated member.
   */
  mayHear(id: string, conf: ConfState): boolean {
    if (conf.voters.length === 0 && conf.learners.length === 0) return true;
    return conf.voters.includes(id) || conf.learners.includes(id) || this.addresses.has(id);
  }

  /** The other members' addresses, for the transport. */
  peers(): Map<string, string> {
    const peers = new Map(this.addresses);
    peers.delete(this.self.id);
    return peers;
  }

  /**
   * A peer announced its address. A member that joined knows only the addresses carried by
   * membership changes, not those of the founders: this is how it learns where they are. An
   * address already known (from the membership) is never replaced by an announcement. True when learned.
   */
  learnAddress(peer: string, address: string): boolean {
    if (peer === this.self.id || this.addresses.has(peer)) return false;
    this.addresses.set(peer, address);
    this.logger.info({ peer, address }, 'learned a peer address');
    this.save();
    return true;
  }

  /** A membership change applied: the removed member is forgotten, an added one's address recorded. */
  applyConfChange(cc: ConfChange): void {
    if (cc.type === 'remove') this.addresses.delete(cc.node);
    else if (cc.context && cc.context.length > 0) {
      const { address } = JSON.parse(Buffer.from(cc.context).toString('utf8')) as { address: string };
      this.addresses.set(cc.node, address);
    }
    this.save();
  }

  /** A peer announced its zone and region; the latest announcement wins (a member may be restarted elsewhere). */
  learnPlacement(peer: string, placement: Placement): void {
    if (peer !== this.self.id) this.placements.set(peer, placement);
  }

  /** A member's zone and region as far as this member knows them, without the unset ones. */
  placementOf(id: string): { zone?: string; region?: string; readReplica?: boolean } {
    const p = id === this.self.id ? this.self.placement : this.placements.get(id);
    return { ...(p?.zone ? { zone: p.zone } : {}), ...(p?.region ? { region: p.region } : {}), ...(p?.readReplica ? { readReplica: true } : {}) };
  }

  /** Whether `id` announced itself a permanent read replica: never promoted, by autopilot or an operator. */
  isReadReplica(id: string): boolean {
    return (id === this.self.id ? this.self.placement : this.placements.get(id))?.readReplica === true;
  }

  private save(): void {
    void this.storage.saveMembers(this.addresses).catch((err: unknown) => this.logger.warn({ err }, 'could not save the member list'));
  }
}
