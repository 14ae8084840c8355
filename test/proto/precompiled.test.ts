import { loadSync, type MessageTypeDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Enum, Type } from 'protobufjs';
import { afterAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, PROTO_FILES, loadFleetPackageDefinition, loadFleetProto, protoRoot, protoSources } from '../../src/proto/index.js';
import { closureOf, parseProtoFiles, precompile, readPrecompiled, rootFromJSON, rootFromPrecompiled } from '../../src/proto/precompiled.js';

/**
 * The precompiled wire contract must be the wire contract: the same bytes for every message, and
 * service definitions that behave exactly like the ones @grpc/proto-loader builds from proto/.
 */
const reference = loadSync([...PROTO_FILES], { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
const parsed = parseProtoFiles(protoSources());
const fromArtifact = rootFromPrecompiled(precompile(protoSources()));
const tmp = mkdtempSync(join(tmpdir(), 'fleet-proto-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const messageTypes = (): Type[] => {
  const out: Type[] = [];
  const walk = (ns: { nestedArray: unknown[] }) => {
    for (const o of ns.nestedArray as (Type & { nestedArray?: unknown[] })[]) {
      if ('fields' in o) out.push(o);
      if (o.nestedArray) walk(o as { nestedArray: unknown[] });
    }
  };
  walk(parsed);
  return out;
};

/** A value for every field (the first member of each oneof), nested messages two levels deep. */
function sample(type: Type, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const skip = new Set(type.oneofsArray.flatMap((o) => o.oneof.slice(1)));
  for (const f of type.fieldsArray) {
    if (skip.has(f.name)) continue;
    f.resolve();
    const one = (): unknown => {
      if (f.resolvedType && 'fields' in f.resolvedType) return depth < 2 ? sample(f.resolvedType as Type, depth + 1) : {};
      if (f.resolvedType) return Object.keys((f.resolvedType as Enum).values).at(-1);
      if (f.type === 'string') return `v-${f.name}`;
      if (f.type === 'bool') return true;
      if (f.type === 'bytes') return Buffer.from([1, 2, 3]);
      if (f.type === 'double' || f.type === 'float') return 1.5;
      return 42;
    };
    if (f.map) out[f.name] = { k: one() };
    else out[f.name] = f.repeated ? [one(), one()] : one();
  }
  return out;
}

describe('the precompiled wire contract', () => {
  it('encodes and decodes every message exactly as the parsed .proto files do', () => {
    const types = messageTypes();
    expect(types.length).toBeGreaterThan(50);
    for (const t of types) {
      const other = fromArtifact.lookupType(t.fullName);
      const value = sample(t);
      const bytes = t.encode(t.fromObject(value)).finish();
      expect(Buffer.from(other.encode(other.fromObject(value)).finish()), t.fullName).toEqual(Buffer.from(bytes));
      expect(other.toObject(other.decode(bytes), LOADER_OPTIONS), t.fullName).toEqual(t.toObject(t.decode(bytes), LOADER_OPTIONS));
    }
  });

  it('encodes and decodes every message from its own part of the tree (closureOf) as from the whole tree', () => {
    const json = parsed.toJSON();
    for (const t of messageTypes()) {
      const part = closureOf(json, t.fullName.slice(1));
      const alone = rootFromJSON(part).lookupType(t.fullName);
      const value = sample(t);
      const bytes = t.encode(t.fromObject(value)).finish();
      expect(Buffer.from(alone.encode(alone.fromObject(value)).finish()), t.fullName).toEqual(Buffer.from(bytes));
      expect(alone.toObject(alone.decode(bytes), LOADER_OPTIONS), t.fullName).toEqual(t.toObject(t.decode(bytes), LOADER_OPTIONS));
    }
    // Only what the message uses: a request of the probe does not carry the whole protocol.
    const status = closureOf(json, 'fleet.v1.StatusRequest') as { nested: { fleet: { nested: { v1: { nested: object } } } } };
    expect(Object.keys(status.nested.fleet.nested.v1.nested)).toEqual(['StatusRequest']);
    expect(() => closureOf(json, 'fleet.v1.NoSuchMessage')).toThrow(/unknown message fleet.v1.NoSuchMessage/);
  });

  it('builds service definitions that behave like proto-loader\'s', () => {
    const proto = loadFleetProto() as unknown as Record<string, unknown>;
    const services = Object.entries(reference).filter(([, d]) => !('format' in d)) as [string, ServiceDefinition][];
    expect(services.map(([n]) => n).sort()).toEqual(['fleet.v1.Admin', 'fleet.v1.Drills', 'fleet.v1.Fleet', 'fleet.v1.Peer', 'grpc.health.v1.Health']);
    for (const [fqn, ref] of services) {
      const lean = (fqn.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], proto) as { service: ServiceDefinition }).service;
      expect(Object.keys(lean).sort(), fqn).toEqual(Object.keys(ref).sort());
      for (const [name, m] of Object.entries(ref)) {
        const l = lean[name]!;
        expect({ path: l.path, requestStream: l.requestStream, responseStream: l.responseStream, originalName: l.originalName }, `${fqn}.${name}`).toEqual({
          path: m.path, requestStream: m.requestStream, responseStream: m.responseStream, originalName: m.originalName,
        });
        const request = sample(parsed.lookupType(fullName(fqn, m.requestType)));
        const response = sample(parsed.lookupType(fullName(fqn, m.responseType)));
        expect(l.requestSerialize(request), `${fqn}.${name} request`).toEqual(m.requestSerialize(request));
        expect(l.responseSerialize(response), `${fqn}.${name} response`).toEqual(m.responseSerialize(response));
        expect(l.requestDeserialize(m.requestSerialize(request))).toEqual(m.requestDeserialize(m.requestSerialize(request)));
        expect(l.responseDeserialize(m.responseSerialize(response))).toEqual(m.responseDeserialize(m.responseSerialize(response)));
      }
    }
  });

  it('hands out message definitions and method descriptors on demand, from the full definition', () => {
    const proto = loadFleetProto();
    expect(proto.fleet.v1.WriteResponse).toBe(loadFleetPackageDefinition()['fleet.v1.WriteResponse']);
    expect(proto.fleet.v1.Fleet.service.Write.requestType.type).toEqual((reference['fleet.v1.Fleet'] as ServiceDefinition).Write!.requestType.type);
  });

  it('builds the same full package definition from the artifact as from the .proto files', () => {
    const full = loadFleetPackageDefinition();
    expect(Object.keys(full).sort()).toEqual(Object.keys(reference).sort());
    const write = (full['fleet.v1.Fleet'] as ServiceDefinition).Write!;
    const refWrite = (reference['fleet.v1.Fleet'] as ServiceDefinition).Write!;
    expect(write.requestType.fileDescriptorProtos).toEqual(refWrite.requestType.fileDescriptorProtos);
  });

  it('carries the file descriptors server reflection serves, as proto-loader encodes them', () => {
    const { reflection } = precompile(protoSources());
    const refEntry = reference[reflection.name] as { format: string; fileDescriptorProtos: Buffer[]; type: object };
    expect(refEntry.format).toBe('Protocol Buffer 3 EnumDescriptorProto');
    expect(reflection.fileDescriptorProtos.map((b) => Buffer.from(b, 'base64'))).toEqual(refEntry.fileDescriptorProtos);
    expect(reflection.type).toEqual(refEntry.type);
    // Every entry of the full definition carries the same files, so one entry describes them all.
    for (const d of Object.values(reference)) if ('fileDescriptorProtos' in d) expect(d.fileDescriptorProtos).toEqual(refEntry.fileDescriptorProtos);
  });

  it('uses an artifact only when it was built from the current .proto files', () => {
    const file = join(tmp, 'fleet-v1.json');
    const artifact = precompile(protoSources());
    writeFileSync(file, JSON.stringify(artifact));
    expect(readPrecompiled(file, protoSources())?.sourceHash).toBe(artifact.sourceHash);
    writeFileSync(file, JSON.stringify({ ...artifact, sourceHash: 'built-from-older-protos' }));
    expect(readPrecompiled(file, protoSources())).toBeUndefined();
    expect(readPrecompiled(join(tmp, 'missing.json'), protoSources())).toBeUndefined();
  });

  it('is written with its probe part beside it, which fleet status reads alone', () => {
    // The build's own files (npm test builds first): the part is the whole's tree under the same hash.
    const dist = join(protoRoot(), '..', 'dist', 'proto');
    const whole = JSON.parse(readFileSync(join(dist, 'fleet-v1.json'), 'utf8')) as { sourceHash: string; probe: object };
    const part = JSON.parse(readFileSync(join(dist, 'fleet-v1-probe.json'), 'utf8')) as object;
    expect(part).toEqual({ sourceHash: whole.sourceHash, probe: whole.probe });
    expect(whole.sourceHash).toBe(precompile(protoSources()).sourceHash);
  });
});

/** The full name of a method's message type, from its descriptor (names are relative to the package). */
function fullName(serviceFqn: string, def: MessageTypeDefinition<object, object>): string {
  const pkg = serviceFqn.split('.').slice(0, -1).join('.');
  return `${pkg}.${(def.type as { name: string }).name}`;
}
