/**
 * The bytes of a registry write in a Raft log entry: the envelope as UTF-8 JSON. Commands are
 * small and varied, and V8's JSON is faster for them than a hand-written binary codec in JS
 * (see bench/fleet-sm.ts); snapshots, where size matters, use the binary format instead.
 */
import { InvalidArgument, show } from './validate.js';
import { parseEnvelope, parseHeader, type EnvelopeHeader } from './parse-command.js';
import type { CommandEnvelope } from './types.js';

// TextDecoder reads any Uint8Array directly; wrapping one in a Buffer view costs more than decoding it.
const utf8 = new TextDecoder();

/** Encodes an envelope for a log entry. Does not validate: the state machine checks every entry it applies. */
export function encodeCommand(cmd: CommandEnvelope): Uint8Array {
  return Buffer.from(JSON.stringify(cmd), 'utf8');
}

function parseJson(data: Uint8Array): unknown {
  const text = utf8.decode(data);
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgument(`entry is not a JSON command envelope (${data.byteLength} bytes starting ${show(text.slice(0, 40))})`);
  }
}

/** Decodes and checks the bytes of a log entry. Throws `InvalidArgument` when they are not a valid envelope. */
export function decodeCommand(data: Uint8Array): CommandEnvelope {
  return parseEnvelope(parseJson(data));
}

/** Decodes an entry's envelope fields, leaving its command unchecked. Throws `InvalidArgument`. */
export function decodeHeader(data: Uint8Array): EnvelopeHeader {
  return parseHeader(parseJson(data));
}

/** Checks a command without state (the leader may before proposing it); kept in src/common so every backend applies it. */
export { checkCommand } from '../../common/registry/registry-parse.js';
