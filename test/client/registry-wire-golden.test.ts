/**
 * The wire of every registry write and answer, pinned. Each sample of registry-wire-samples.ts is
 * encoded through the very serializers the client and the member use (the Write method's), and
 * its bytes must be the ones recorded here, which were taken from the hand-written mappings
 * before the operations were declared once: a change of the declaration that would change the
 * wire fails here. Decoding the bytes back must give the command the member applies and the
 * result the client returns.
 */
import { describe, expect, it } from 'vitest';
import { writeResultFromWire } from '../../src/client/decode.js';
import { commandToWire } from '../../src/client/encode.js';
import { commandFromWire } from '../../src/core/server/fleet-api/wire-commands.js';
import { writeResponseToWire } from '../../src/core/server/fleet-api/wire-results.js';
import { loadFleetProto } from '../../src/proto/index.js';
import type * as wire from '../../src/proto/index.js';
import { CLIENT_TYPES, COMMAND_SAMPLES, RESULT_SAMPLES } from './registry-wire-samples.js';

const COMMAND_BYTES: Readonly<Record<string, string>> = {
  'shard.register': '0a05636c692d3110071805523b0a027331120d31302e302e302e313a393030301a026575220565752d31612828320b0a046469736b1203737364320c0a04746965721204676f6c64',
  'shard.register without labels': '0a05636c692d311007180552160a0273321203683a311a026575220565752d31622800',
  'shard.update': '0a05636c692d31100718055a200a0273311203683a321a027573220575732d3162280732080a060a0161120162',
  'shard.update of one field': '0a05636c692d31100718055a060a0273312800',
  'shard.update clearing the labels': '0a05636c692d31100718055a060a0273313200',
  'shard.setState': '0a05636c692d311007180562060a0273311002',
  'shard.remove': '0a05636c692d31100718056a060a0273311001',
  'shard.remove without force': '0a05636c692d31100718056a060a0273311000',
  'shard.heartbeat': '0a05636c692d311007180572040a027331',
  'cluster.contact': '0a05636c692d3110071805a201080a02633112027331',
  'cluster.rebind': '0a05636c692d3110071805aa010e0a026331120273311a0273322001',
  'cluster.rebind from unbound': '0a05636c692d3110071805aa010a0a0263311a0273322000',
  'cluster.rebindBatch': '0a05636c692d3110071805b2011e0a0c0a026331120273311a0273320a080a0263321a02733310011a027031',
  'cluster.rebindBatch without a plan': '0a05636c692d3110071805b201100a0c0a026331120273311a0273321000',
  'cluster.unbind': '0a05636c692d3110071805ba01040a026331',
  'cluster.heartbeat': '0a05636c692d3110071805c201040a026331',
  'cluster.prune': '0a05636c692d3110071805ca01050880b89929',
  'domain.assign': '0a05636c692d3110071805f201110a047a6f6e65120565752d31611a027331',
  'domain.unassign': '0a05636c692d3110071805fa010d0a047a6f6e65120565752d3161',
  'quota.set': '0a05636c692d3110071805c2021b0a0361777312026575186422060a027331103c22060a0273321028',
  'quota.set without slices': '0a05636c692d3110071805c2020b0a03617773120265751800',
  'quota.remove': '0a05636c692d3110071805ca02090a0361777312026575',
  'provider.add': '0a05636c692d31100718059203210a036177731205636c6f75641a0265751a027573220b68747470733a2f2f617773',
  'provider.remove': '0a05636c692d31100718059a03050a03617773',
  'lease.acquire': '0a05636c692d3110071805e2030b0a026c311202683118904e',
  'lease.renew': '0a05636c692d3110071805ea030d0a026c3112026831180520d00f',
  'lease.renew without ttl': '0a05636c692d3110071805ea030a0a026c31120268311805',
  'lease.release': '0a05636c692d3110071805f2030a0a026c31120268311805',
  'kv.put': '0a05636c692d3110071805b2040b0a016b1201761a03617070',
  'kv.put default ns': '0a05636c692d3110071805b204070a016b12001a00',
  'kv.delete': '0a05636c692d3110071805ba04080a016b1203617070',
  'kv.delete default ns': '0a05636c692d3110071805ba04050a016b1200',
  'kv.cas on a value': '0a05636c692d3110071805c204120a016b12036f6c641a036e65772203617070',
  'kv.cas on absence': '0a05636c692d3110071805c2040a0a016b1a036e65772200',
  'kv.cas on a revision': '0a05636c692d3110071805c2040d0a016b1a036e65772200c00607',
  'kv.cas on revision 0': '0a05636c692d3110071805c2040d0a016b1a036e65772200c00600',
  'kv.cas on both': '0a05636c692d3110071805c204150a016b12036f6c641a036e65772203617070c00607',
  'plan.progress': '0a05636c692d31100718058205130a02703112076d6540686f7374180320092802',
};

const RESULT_BYTES: Readonly<Record<string, string>> = {
  'shard.register': '082a52430a3f0a027331120d31302e302e302e313a393030301a026575220565752d3161280330283a0b0a046469736b12037373644080d095ffbc3148e8d795ffbc3150031001',
  'shard.register of a fresh shard': '082a522f0a2b0a027332120d31302e302e302e313a393030301a026575220565752d3161280130284080d095ffbc3150001000',
  'shard.update': '082a5a410a3f0a027331120d31302e302e302e313a393030301a026575220565752d3161280330283a0b0a046469736b12037373644080d095ffbc3148e8d795ffbc315003',
  'shard.setState': '082a62430a3f0a027331120d31302e302e302e313a393030301a026575220565752d3161280330283a0b0a046469736b12037373644080d095ffbc3148e8d795ffbc3150031002',
  'shard.remove': '082a6a0a0a027331100218012004',
  'shard.heartbeat': '082a720b0a0273311088f795ffbc31',
  'cluster.contact': '082aa201190a130a026331120273321802202928d0df95ffbc3110011801',
  'cluster.rebind': '082aaa01190a130a026331120273321802202928d0df95ffbc3112027331',
  'cluster.rebind from unbound': '082aaa01150a130a026331120273321802202928d0df95ffbc31',
  'cluster.rebindBatch': '082ab20106080212027031',
  'cluster.rebindBatch without a plan': '082ab201020800',
  'cluster.unbind': '082aba01150a0f0a0263311803202c28b8e795ffbc3112027332',
  'cluster.unbind of an unbound cluster': '082aba01110a0f0a0263311803202c28b8e795ffbc31',
  'cluster.heartbeat': '082ac2010b0a02633110f0fe95ffbc31',
  'cluster.prune': '082aca01020804',
  'domain.assign': '082af201190a130a047a6f6e65120565752d31611a027331200912027330',
  'domain.assign first': '082af201150a130a047a6f6e65120565752d31611a0273312009',
  'domain.unassign': '082afa01110a047a6f6e65120565752d31611a027331',
  'quota.set': '082ac202210a1d0a03617773120265751864205a2a060a027331103c2a060a027332101e1001',
  'quota.remove': '082aca02090a0361777312026575',
  'provider.add': '082a9203250a210a036177731205636c6f75641a0265751a027573220b68747470733a2f2f6177731000',
  'provider.remove': '082a9a03050a03617773',
  'lease.acquire': '082ae2031f0a1b0a026c3112026831180520904e2880d095ffbc3130909e96ffbc311001',
  'lease.renew': '082aea031d0a1b0a026c3112026831180520904e2880d095ffbc3130909e96ffbc31',
  'lease.release': '082af203060a026c311005',
  'lease.expire': '082af203060a026c311006',
  'kv.put': '082ab204120a0e0a0361707012016b1803200828021008',
  'kv.delete': '082aba040408011009',
  'kv.delete of an absent key': '082aba040408001009',
  'kv.cas': '082ac204120a0e0a0361707012016b1803200828021008',
  'plan.progress': '082a8205250a230a02703112076d6540686f73741803200928043080d095ffbc3138a0ef95ffbc31404d',
  'audit.record': '082a',
};

const write = () => loadFleetProto().fleet.v1.Fleet.service.Write;

describe('registry writes on the wire', () => {
  it('has a sample of every write and of every answer', () => {
    expect(new Set(COMMAND_SAMPLES.map((s) => s.sent.type))).toEqual(new Set(CLIENT_TYPES));
    expect(new Set(RESULT_SAMPLES.map((s) => s.type))).toEqual(new Set([...CLIENT_TYPES, 'lease.expire', 'audit.record']));
    expect(Object.keys(COMMAND_BYTES)).toEqual(COMMAND_SAMPLES.map((s) => s.name));
    expect(Object.keys(RESULT_BYTES)).toEqual(RESULT_SAMPLES.map((s) => s.name));
  });

  for (const s of COMMAND_SAMPLES) {
    it(`encodes ${s.name} to the recorded bytes, and the member decodes the command from them`, () => {
      const bytes = write().requestSerialize({ clientId: 'cli-1', seq: 7, firstIncomplete: 5, ...commandToWire(s.sent) });
      expect(bytes.toString('hex')).toBe(COMMAND_BYTES[s.name]);
      const req = write().requestDeserialize(Buffer.from(COMMAND_BYTES[s.name]!, 'hex')) as wire.WriteRequest__Output;
      const decoded = commandFromWire(req);
      expect(decoded).toStrictEqual(s.decoded);
      // The command goes into the Raft log as JSON: its key order is part of the entry's bytes.
      expect(JSON.stringify(decoded)).toBe(JSON.stringify(s.decoded));
    });
  }

  for (const s of RESULT_SAMPLES) {
    it(`answers ${s.name} with the recorded bytes, and the client reads the result from them`, () => {
      const bytes = write().responseSerialize(writeResponseToWire(s.type, { ok: true, index: 42, value: s.value }));
      expect(bytes.toString('hex')).toBe(RESULT_BYTES[s.name]);
      if (s.read === undefined || s.type === 'lease.expire' || s.type === 'audit.record') return;
      const response = write().responseDeserialize(Buffer.from(RESULT_BYTES[s.name]!, 'hex')) as wire.WriteResponse__Output;
      const read = writeResultFromWire(s.type, response, 'test');
      expect(read).toStrictEqual({ ...s.read, index: 42 });
      // Results are printed as JSON (--json): their key order is what scripts see.
      expect(JSON.stringify(read)).toBe(JSON.stringify({ ...s.read, index: 42 }));
    });
  }
});
