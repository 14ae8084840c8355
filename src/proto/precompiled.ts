/**
 * The wire contract, precompiled. `npm run build` parses proto/ once and writes the protobufjs
 * reflection tree as JSON next to the compiled module (dist/proto/fleet-v1.json), stamped with
 * a hash of the .proto files it came from. Reading that JSON costs a fraction of parsing the
 * .proto files at every start; a missing or stale file (sources run under tsx, or proto/ edited
 * since the build) falls back to parsing, so the artifact can never change the wire format.
 *
 * protobufjs is loaded through @grpc/proto-loader's own resolution: our serializers must be
 * exactly proto-loader's (the generated types describe its output), so they use its copy. Every
 * package is loaded through a require named `lazyRequire`, which the member bundle turns into its
 * own (scripts/bundle.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { EnumTypeDefinition } from '@grpc/proto-loader';
import type { INamespace, ReflectionObject, Root, Type } from 'protobufjs';

/** The artifact's file name, next to this module in dist/proto. */
export const PRECOMPILED_FILE = 'fleet-v1.json';

/**
 * The probe's part of the artifact alone (`sourceHash` and `probe`), for `fleet status`: a sixth of
 * the whole, so a status run reads and parses 12 kB of JSON instead of 74.
 */
export const PRECOMPILED_PROBE_FILE = 'fleet-v1-probe.json';

/** The artifact: the reflection tree and the hash of the sources it was built from. */
export interface PrecompiledProto {
  readonly sourceHash: string;
  readonly root: INamespace;
  /** What server reflection needs, as proto-loader describes it (see `reflectionEntry`). */
  readonly reflection: ReflectionEntry;
  /** The messages of the one-shot status probe and everything they use (see `PROBE_MESSAGES`). */
  readonly probe: INamespace;
}

/**
 * The messages `fleet status` sends and reads through the one-shot probe (src/client/probe):
 * building only these and the types they use costs a fraction of the whole tree.
 */
export const PROBE_MESSAGES: readonly string[] = ['fleet.v1.StatusRequest', 'fleet.v1.MemberStatus', 'fleet.v1.ReadRequest', 'fleet.v1.ReadResponse'];

/**
 * One enum of the package definition, with the encoded file descriptors proto-loader attaches
 * to every message and enum: server reflection reads nothing else, so one entry is enough.
 */
export interface ReflectionEntry {
  readonly name: string;
  readonly type: object;
  /** FileDescriptorProto of each file, base64. */
  readonly fileDescriptorProtos: readonly string[];
}

/** What `parseProtoFiles` needs: where proto/ is and which files to load from it. */
export interface ProtoSources {
  readonly dir: string;
  readonly files: readonly string[];
}

type ProtobufJs = typeof import('protobufjs');
type ProtoLoaderUtil = { loadProtosWithOptionsSync(files: string[], options: { keepCase: boolean; includeDirs: string[] }): Root };

/** A require that resolves packages as @grpc/proto-loader does (its protobufjs, its util). */
function protoLoaderRequire(): NodeJS.Require {
  return createRequire(createRequire(import.meta.url).resolve('@grpc/proto-loader'));
}

/** Hash of the .proto sources: the artifact is used only when it was built from these bytes. */
export function protoSourceHash(src: ProtoSources): string {
  const hash = createHash('sha256');
  for (const file of src.files) hash.update(file).update('\0').update(readFileSync(join(src.dir, file))).update('\0');
  return hash.digest('hex');
}

/**
 * Parses the .proto files exactly as `@grpc/proto-loader`'s `loadSync` does: field names
 * camelCased, or as the .proto spells them with `keepCase` (the etcd gateway's JSON names).
 */
export function parseProtoFiles(src: ProtoSources, opts: { readonly keepCase?: boolean } = {}): Root {
  const lazyRequire = protoLoaderRequire();
  const util = lazyRequire('@grpc/proto-loader/build/src/util.js') as ProtoLoaderUtil;
  return util.loadProtosWithOptionsSync([...src.files], { keepCase: opts.keepCase ?? false, includeDirs: [src.dir] });
}

/** Builds the artifact from the .proto sources (`npm run build`). */
export function precompile(src: ProtoSources): PrecompiledProto {
  const root = parseProtoFiles(src);
  return { sourceHash: protoSourceHash(src), root: root.toJSON(), reflection: reflectionEntry(src), probe: subsetOf(root, PROBE_MESSAGES) };
}

/**
 * The JSON tree of `messages` and of every message and enum their fields use, each at its full
 * name. Our .proto files declare no nested types, so each type lands whole at its own path.
 */
export function subsetOf(root: Root, messages: readonly string[]): INamespace {
  root.resolveAll();
  const out: INamespace = {};
  const seen = new Set<string>();
  const visit = (obj: ReflectionObject): void => {
    const fqn = obj.fullName.replace(/^\./, '');
    if (seen.has(fqn)) return;
    seen.add(fqn);
    place(out, fqn, obj.toJSON());
    if ('fieldsArray' in obj) for (const field of (obj as Type).fieldsArray) if (field.resolvedType !== null) visit(field.resolvedType);
  };
  for (const name of messages) visit(root.lookupType(name));
  return out;
}

/** The scalar types of .proto: everything else a field names is a message or an enum. */
const SCALAR_TYPES: ReadonlySet<string> = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool', 'string', 'bytes']);

interface TypeNode extends INamespace {
  readonly fields?: Readonly<Record<string, { readonly type: string }>>;
  readonly values?: object;
}

/** The node at `path` of a JSON tree, if any. */
function nodeAt(root: INamespace, path: readonly string[]): TypeNode | undefined {
  let at: TypeNode | undefined = root;
  for (const part of path) at = at?.nested?.[part] as TypeNode | undefined;
  return at;
}

/** The full name of the message or enum `name` refers to from `scope`, resolved as protoc does: innermost scope first. */
export function resolveTypeName(root: INamespace, scope: readonly string[], name: string): string | undefined {
  const parts = name.replace(/^\./, '').split('.');
  for (let i = name.startsWith('.') ? 0 : scope.length; i >= 0; i--) {
    const path = [...scope.slice(0, i), ...parts];
    const node = nodeAt(root, path);
    if (node?.fields !== undefined || node?.values !== undefined) return path.join('.');
    if (name.startsWith('.')) break;
  }
  return undefined;
}

/**
 * The JSON tree of the message `fullName` and of every type it uses, taken from a whole tree
 * without building it: a codec needs only these, and building the reflection objects of every
 * message was most of the protocol's start-up cost. Types are copied whole at their outermost
 * enclosing type (a message carries its nested types along).
 */
export function closureOf(root: INamespace, fullName: string): INamespace {
  const out: INamespace = {};
  const seen = new Set<string>();
  const include = (fqn: string): void => {
    const path = fqn.split('.');
    // The outermost type on the path: nested types travel inside it.
    const top = path.findIndex((_, i) => { const n = nodeAt(root, path.slice(0, i + 1)); return n?.fields !== undefined || n?.values !== undefined; });
    const unit = path.slice(0, top + 1);
    const name = unit.join('.');
    if (seen.has(name)) return;
    seen.add(name);
    const json = nodeAt(root, unit)!;
    place(out, name, json);
    visit(json, unit);
  };
  const visit = (json: TypeNode, path: readonly string[]): void => {
    for (const field of Object.values(json.fields ?? {})) {
      if (SCALAR_TYPES.has(field.type)) continue;
      const used = resolveTypeName(root, path, field.type);
      if (used === undefined) throw new Error(`unknown type ${field.type} (in ${path.join('.')})`);
      include(used);
    }
    for (const [name, nested] of Object.entries(json.nested ?? {})) visit(nested as TypeNode, [...path, name]);
  };
  if (resolveTypeName(root, [], fullName) === undefined) throw new Error(`unknown message ${fullName}`);
  include(fullName);
  return out;
}

function place(ns: INamespace, fqn: string, json: object): void {
  const parts = fqn.split('.');
  let at = ns;
  for (const part of parts.slice(0, -1)) {
    at.nested ??= {};
    at = (at.nested[part] ??= {}) as INamespace;
  }
  at.nested ??= {};
  at.nested[parts[parts.length - 1]!] = json as INamespace;
}

/** The first enum of proto-loader's package definition of the sources, with its file descriptors. */
function reflectionEntry(src: ProtoSources): ReflectionEntry {
  const lazyRequire = createRequire(import.meta.url);
  const loader = lazyRequire('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const definition = loader.loadSync([...src.files], { keepCase: false, includeDirs: [src.dir] });
  const found = Object.entries(definition).find(([, d]) => 'format' in d && d.format === 'Protocol Buffer 3 EnumDescriptorProto');
  if (found === undefined) throw new Error('the protocol has no enum to carry the file descriptors');
  const [name, def] = found as [string, EnumTypeDefinition];
  return { name, type: def.type, fileDescriptorProtos: def.fileDescriptorProtos.map((b) => b.toString('base64')) };
}

/** The artifact at `file` if it exists and matches the sources; undefined otherwise. */
export function readPrecompiled(file: string, src: ProtoSources): PrecompiledProto | undefined {
  return readPrecompiledJson<PrecompiledProto>(file, src);
}

/** Any artifact stamped with `sourceHash` and carrying a `probe` tree, if it matches the sources. */
export function readPrecompiledJson<T extends { readonly sourceHash: string; readonly probe: INamespace }>(file: string, src: ProtoSources): T | undefined {
  let artifact: T;
  try {
    artifact = JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
  return artifact.sourceHash === protoSourceHash(src) && artifact.probe !== undefined ? artifact : undefined;
}

/** The reflection tree of the artifact, resolved; protobufjs' light build is enough for it (no parser). */
export function rootFromPrecompiled(artifact: PrecompiledProto): Root {
  return rootFromJSON(artifact.root);
}

/** A reflection tree from its JSON, resolved. */
export function rootFromJSON(json: INamespace): Root {
  const lazyRequire = protoLoaderRequire();
  const { Root: RootClass } = lazyRequire('protobufjs/light') as ProtobufJs;
  const root = RootClass.fromJSON(json);
  root.resolveAll();
  return root;
}
