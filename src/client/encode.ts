/**
 * Client requests to the wire: registry writes to WriteRequest's command oneof, reads to
 * ReadRequest. Values are not judged here; the member checks them and names any bad field.
 */
import { commandKey, commandToWirePart, RegistryWireError, type CommandPart } from '../proto/registry-wire.js';
import type * as wire from '../proto/index.js';
import { FleetClientError } from './errors.js';
import type { Command, CommandType, Consistency } from './types.js';

/** The oneof member of a command type: `shard.setState` → `shardSetState`. */
export function oneofKey(type: CommandType): string {
  return commandKey(type);
}

/** A command as the oneof part of a WriteRequest, as its declaration (src/common/registry/registry-operations.ts) spells it. */
export function commandToWire(command: Command): CommandPart {
  try {
    return commandToWirePart(command);
  } catch (err) {
    if (err instanceof RegistryWireError) throw new FleetClientError('invalid', err.message);
    throw err;
  }
}

/** The consistency oneof of a ReadRequest; `highestSeen` resolves read-your-writes. */
export function consistencyToWire(consistency: Consistency | undefined, highestSeen: number): Pick<wire.ReadRequest, 'linearizable' | 'minIndex' | 'maxStalenessMs'> {
  if (consistency === undefined || consistency === 'linearizable') return { linearizable: {} };
  if (consistency === 'read-your-writes') return { minIndex: highestSeen };
  if ('minIndex' in consistency) return { minIndex: consistency.minIndex };
  return { maxStalenessMs: consistency.maxStalenessMs };
}

/** Whether a read may be served by any member (anything but linearizable). */
export function isFollowerRead(consistency: Consistency | undefined): boolean {
  return consistency !== undefined && consistency !== 'linearizable';
}
