/**
 * Wire writes to registry commands. This only reshapes: the registry's own checks
 * (`checkCommand`) judge the values, and their messages name the field.
 */
import type { WriteRequest__Output } from '../../../proto/index.js';
import { COMMAND_WIRE_NAMES, commandFromWirePart, type EnumFallback } from '../../../proto/registry-wire.js';
import { isSystemNs } from '../../../common/registry/kv-keys.js';
import { checkCommand, type Command } from '../../fleet/index.js';
import type { WriteRequest } from '../../node/member-api.js';
import { WireError, enumFromWire } from '../wire.js';

/** A wire enum value that names no plain value is bad input: a WireError naming the field. */
const badEnum: EnumFallback = (map, value, field) => enumFromWire(map, value as string, field);


/** The command of a wire write, reshaped as its declaration (src/common/registry/registry-operations.ts) says and checked; throws WireError. */
export function commandFromWire(req: WriteRequest__Output): Command {
  const part = commandFromWirePart(req, badEnum);
  if (part === undefined) throw new WireError(`command: none set; set one of ${COMMAND_WIRE_NAMES.join(', ')}`);
  const name = part.wireName;
  if (part.message === undefined) throw new WireError(`${name}: the message is missing`);
  // The declaration's fields are the command's (checked at compile time in registry-operations.ts).
  const op = part.message as Command;
  const problem = checkCommand(op);
  if (problem !== undefined) throw new WireError(`${name}: ${problem}`);
  // fleet.* namespaces hold fleet's own settings (autopilot's): a script's `kv put` cannot switch a cluster's autopilot.
  if ('ns' in op && typeof op.ns === 'string' && isSystemNs(op.ns)) {
    throw new WireError(`${name}: the namespace ${op.ns} holds fleet's own settings and is written only by its commands (fleet autopilot set)`);
  }
  return op;
}

/** A wire write as the node takes it; throws WireError. */
export function writeRequestFromWire(req: WriteRequest__Output): WriteRequest {
  return { clientId: req.clientId, seq: req.seq, firstIncomplete: req.firstIncomplete, op: commandFromWire(req) };
}
