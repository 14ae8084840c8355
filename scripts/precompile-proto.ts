/**
 * Writes dist/proto/fleet-v1.json (with fleet-v1-probe.json, its part that `fleet status` reads, and
 * etcd-v3.json, the etcd messages `fleet status` reads):
 * the wire contract parsed once at build time, so that no command parses .proto files at start-up (see src/proto/precompiled.ts). proto/ stays the
 * source of truth: the artifact carries the hash of the files it was built from, and a stale
 * one is ignored at run time.
 *
 * Run: node --import tsx scripts/precompile-proto.ts   (part of `npm run build`, after tsc)
 */
import { writeFileSync } from 'node:fs';
// The compiled module, so the artifact lands next to it in dist/proto.
import { precompiledPath, precompiledProbePath, protoSources } from '../dist/proto/index.js';
import { precompile } from '../dist/proto/precompiled.js';
import { etcdPrecompiledPath, precompileEtcd } from '../dist/proto/etcd.js';

const target = precompiledPath();
const artifact = precompile(protoSources());
writeFileSync(target, `${JSON.stringify(artifact)}\n`);
console.log(`wrote ${target} (proto sources ${artifact.sourceHash.slice(0, 12)})`);
writeFileSync(precompiledProbePath(), `${JSON.stringify({ sourceHash: artifact.sourceHash, probe: artifact.probe })}\n`);

// etcd's messages for `fleet status` of an etcd cluster (src/proto/etcd.ts).
const etcdTarget = etcdPrecompiledPath();
const etcdArtifact = precompileEtcd();
writeFileSync(etcdTarget, `${JSON.stringify(etcdArtifact)}\n`);
console.log(`wrote ${etcdTarget} (proto source ${etcdArtifact.sourceHash.slice(0, 12)})`);
