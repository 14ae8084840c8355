/**
 * etcd's messages in the JSON of its HTTP gateway (grpc-gateway 1 with `OrigName`, as etcd 3.4
 * serves it): field names as the .proto spells them (`create_revision`, `dbSize`, `ID`), the
 * lowerCamelCase names accepted on input too, 64-bit integers as decimal strings, bytes as
 * base64, enums by name, and fields at their default value left out. Types come from
 * proto/etcd parsed with the names kept, once, on the gateway's first request.
 */
import { join } from 'node:path';
import type { Root, Type, Field, Enum, ReflectionObject, Service } from 'protobufjs';
import { protoRoot } from '../../../../proto/index.js';
import { parseProtoFiles } from '../../../../proto/precompiled.js';

/** A request the gateway could not turn into a message: etcd answers these with code 3 (InvalidArgument). */
export class JsonInputError extends Error {}

let root: Root | undefined;

/** etcd's message types, names as the .proto spells them. */
export function etcdTypes(): Root {
  if (root === undefined) {
    root = parseProtoFiles({ dir: join(protoRoot(), 'etcd'), files: ['rpc.proto', 'v3lock.proto', 'v3election.proto'] }, { keepCase: true });
    root.resolveAll();
  }
  return root;
}

/** The request and response types of `service.method` (`etcdserverpb.KV`, `Range`), if the .proto declares it. */
export function methodTypes(service: string, method: string): { request: Type; response: Type } | undefined {
  const found = etcdTypes().lookup(service);
  const m = isService(found) ? found.methods[method] : undefined;
  if (!m?.resolvedRequestType || !m.resolvedResponseType) return undefined;
  return { request: m.resolvedRequestType, response: m.resolvedResponseType };
}

/** Whether what `lookup` found is a service: of protobufjs's reflection objects, only a Service has `methods`. */
function isService(found: ReflectionObject | null): found is Service {
  return found !== null && 'methods' in found && typeof found.methods === 'object' && found.methods !== null;
}

/** Encodes a request given as parsed JSON; throws JsonInputError naming what is wrong. */
export function encodeRequest(type: Type, json: unknown): Buffer {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new JsonInputError(`json: cannot unmarshal ${Array.isArray(json) ? 'array' : json === null ? 'null' : typeof json} into Go value of type map[string]json.RawMessage`);
  }
  const message = type.fromObject(normalised(type, json as Record<string, unknown>));
  return Buffer.from(type.encode(message).finish());
}

/** Decodes a response into the gateway's JSON object. */
export function decodeResponse(type: Type, bytes: Buffer): Record<string, unknown> {
  const object = type.toObject(type.decode(bytes), { longs: String, enums: String, bytes: String, json: true });
  return withoutDefaults(type, object);
}

/** `json` with each key renamed to its field's .proto name, checked where protobufjs would guess. */
function normalised(type: Type, json: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldNamed(type, key);
    if (field === undefined || value === null) continue; // unknown fields are ignored, as etcd's gateway does
    out[field.name] = field.repeated ? listOf(field, value).map((v) => normalisedValue(field, v)) : normalisedValue(field, value);
  }
  return out;
}

function listOf(field: Field, value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new JsonInputError(`json: cannot unmarshal ${typeof value} into Go struct field .${field.name} of type []`);
  return value;
}

function normalisedValue(field: Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved !== null && 'fields' in resolved) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JsonInputError(`json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go struct field .${field.name} of type object`);
    return normalised(resolved as Type, value as Record<string, unknown>);
  }
  if (field.type === 'bytes') {
    if (typeof value !== 'string') throw new JsonInputError(`json: cannot unmarshal ${typeof value} into Go value of type []uint8`);
    const bad = firstInvalidBase64(value);
    if (bad >= 0) throw new JsonInputError(`illegal base64 data at input byte ${bad}`);
  }
  return value;
}

/** The index of the first character that is not standard base64 (with or without padding), or -1. */
function firstInvalidBase64(s: string): number {
  const body = s.replace(/=+$/, '');
  const bad = body.search(/[^A-Za-z0-9+/]/);
  if (bad >= 0) return bad;
  return body.length % 4 === 1 ? body.length - 1 : -1;
}

const camelNames = new WeakMap<Type, Map<string, Field>>();

/** The field a JSON key names: its .proto name or its lowerCamelCase JSON name. */
function fieldNamed(type: Type, key: string): Field | undefined {
  const exact = type.fields[key];
  if (exact !== undefined) return exact;
  let byCamel = camelNames.get(type);
  if (byCamel === undefined) {
    byCamel = new Map(type.fieldsArray.map((f) => [f.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()), f]));
    camelNames.set(type, byCamel);
  }
  return byCamel.get(key);
}

/** Drops what proto3's JSON leaves out: scalars and enums at their default, empty lists (a oneof's member stays). */
function withoutDefaults(type: Type, object: Record<string, unknown>): Record<string, unknown> {
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined) continue;
    const resolved = field.resolvedType;
    const nested = resolved !== null && 'fields' in resolved ? (resolved as Type) : undefined;
    if (field.repeated) {
      if (!Array.isArray(value) || value.length === 0) delete object[field.name];
      else if (nested) for (const v of value) withoutDefaults(nested, v as Record<string, unknown>);
    } else if (nested) {
      withoutDefaults(nested, value as Record<string, unknown>);
    } else if (field.partOf === null && isDefault(value, resolved as Enum | null)) {
      delete object[field.name];
    }
  }
  return object;
}

function isDefault(value: unknown, enumType: Enum | null): boolean {
  if (enumType !== null) return value === enumType.valuesById[0] || value === 0;
  return value === 0 || value === '0' || value === '' || value === false;
}
