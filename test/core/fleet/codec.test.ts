import { describe, expect, it } from 'vitest';
import { COMMAND_TYPES, FleetStateMachine, InvalidArgument, checkCommand, decodeCommand, encodeCommand, type CommandEnvelope } from '../../../src/core/fleet/index.js';

const envelope: CommandEnvelope = {
  clientId: 'cli-42',
  seq: 7,
  firstIncomplete: 5,
  time: 1_700_000_000_000,
  op: { type: 'shard.register', id: 's1', address: 'host:1', region: 'r', zone: 'z', capacity: 3, labels: { b: '2', a: 'ü' } },
};

describe('encodeCommand / decodeCommand', () => {
  it('round-trips an envelope, normalizing labels to sorted keys', () => {
    const back = decodeCommand(encodeCommand(envelope));
    expect(back).toEqual(envelope);
    expect(Object.keys((back.op as { labels: object }).labels)).toEqual(['a', 'b']);
  });

  it('decodes from any Uint8Array view', () => {
    const bytes = encodeCommand(envelope);
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes, 5);
    expect(decodeCommand(padded.subarray(5, 5 + bytes.length))).toEqual(envelope);
  });

  it.each([
    ['garbage', Buffer.from('{nope'), /not a JSON command envelope/],
    ['a missing op', Buffer.from('{"clientId":"","seq":0,"firstIncomplete":0,"time":0}'), /op must be an object/],
    ['a negative seq', Buffer.from('{"clientId":"c","seq":-1,"firstIncomplete":0,"time":0,"op":{}}'), /'seq'/],
    ['a fractional time', Buffer.from('{"clientId":"c","seq":1,"firstIncomplete":0,"time":1.5,"op":{}}'), /'time'/],
    ['an extra field', Buffer.from('{"clientId":"c","seq":1,"firstIncomplete":0,"time":1,"op":{},"x":1}'), /unknown field 'x'/],
    ['a bad client id', Buffer.from('{"clientId":"a b","seq":1,"firstIncomplete":0,"time":1,"op":{}}'), /'clientId'/],
  ])('throws InvalidArgument on %s', (_, data, message) => {
    expect(() => decodeCommand(data)).toThrow(InvalidArgument);
    expect(() => decodeCommand(data)).toThrow(message);
  });
});

describe('checkCommand', () => {
  it('accepts well-formed commands and explains the rest', () => {
    expect(checkCommand({ type: 'kv.put', key: 'a', value: 'b' })).toBeUndefined();
    expect(checkCommand({ type: 'kv.put', key: 'a' })).toMatch(/kv\.put: 'value' must be a string/);
    expect(checkCommand({ type: 'cluster.rebind', cluster: 'c', from: 's1', to: 's2', forse: true })).toMatch(/unknown field 'forse'/);
    expect(checkCommand(null)).toMatch(/op must be an object/);
    expect(checkCommand({ type: 'shard.register', id: 's', address: 'h:1', region: 'r', zone: 'z', capacity: 1e10 })).toMatch(/capacity/);
  });

  it('knows every command type', () => {
    expect(COMMAND_TYPES).toHaveLength(26);
    for (const type of COMMAND_TYPES) expect(checkCommand({ type })).toMatch(new RegExp(type.replace('.', '\\.')));
  });
});

describe('characters that make text print as something else (issue 62)', () => {
  // C1 controls (CSI, OSC), bidirectional overrides, embeddings, isolates and marks, a line separator.
  const SPOOFS = ['\u009b', '\u009d', '\u0085', '\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028'];
  const register = (value: string) => ({ type: 'shard.register', id: 's1', address: 'h:1', region: 'r', zone: 'z', capacity: 1, labels: { team: value } });

  it('are refused at the edge in label values and a provider\'s endpoint, naming the character', () => {
    for (const c of SPOOFS) {
      const code = `U\\+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
      expect(checkCommand(register(`ops${c}x`))).toMatch(new RegExp(`shard\\.register: 'labels'\\.team must not contain control or bidirectional formatting characters \\(it holds ${code}\\)`));
      expect(checkCommand({ type: 'shard.update', id: 's1', labels: { team: `${c}gold` } })).toMatch(/shard\.update: 'labels'\.team must not contain/);
      expect(checkCommand({ type: 'provider.add', name: 'aws', kind: 'cloud', regions: ['eu'], endpoint: `https://x${c}.example` })).toMatch(/provider\.add: 'endpoint' must not contain/);
    }
    // Right-to-left letters are text; KV keys and values are data, stored as given (as etcd does).
    expect(checkCommand(register('שלום مرحبا'))).toBeUndefined();
    expect(checkCommand({ type: 'kv.put', key: 'k\u202e', value: 'v\u009b' })).toBeUndefined();
  });

  it('are still applied from the log: a replica replaying an entry the cluster accepted before the rule applies it the same', () => {
    const sm = new FleetStateMachine();
    const old = encodeCommand({ clientId: 'c', seq: 1, firstIncomplete: 0, time: 1_700_000_000_000, op: register('gold\u202eten') as CommandEnvelope['op'] });
    expect(sm.apply(1, old)).toMatchObject({ ok: true });
    expect(sm.listShards()[0]!.labels).toEqual({ team: 'gold\u202eten' });
  });
});
