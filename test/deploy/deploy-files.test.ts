/**
 * The sample deployment files in deploy/ must start a member that `fleet node start` accepts:
 * every flag they pass exists (by the commands' definitions), a member beyond loopback has its
 * credentials, and they run members as fleet init does (Node's options before the script,
 * glibc's threshold in the environment). Nothing here needs systemd or a Kubernetes cluster.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadCommandManifest, type CommandManifest } from '../../scripts/commands-markdown.js';
import { MEMBER_ENV, MEMBER_NODE_OPTIONS } from '../../src/common/member-process.js';
import { checkInvocation, fleetInvocations, shellWords } from '../e2e/readme-examples.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** `node [options] …/run.js ARGS`: Node's options and the fleet arguments. */
function splitNodeCommand(words: readonly string[]): { nodeOptions: string[]; args: string[] } {
  const script = words.findIndex((w) => w.endsWith('/bin/run.js'));
  expect(script, `no bin/run.js in ${words.join(' ')}`).toBeGreaterThan(0);
  return { nodeOptions: words.slice(1, script).filter((w) => w.startsWith('-')), args: words.slice(script + 1) };
}

let manifest: CommandManifest;
beforeAll(async () => {
  manifest = await loadCommandManifest(root);
});

describe('deploy/systemd/fleet@.service', () => {
  const unit = read('deploy/systemd/fleet@.service');
  const envFile = Object.fromEntries(
    read('deploy/systemd/fleet.env.example').split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  /** ExecStart as systemd runs it for fleet@n1 with the example environment file. */
  const execStart = (() => {
    const line = /^ExecStart=((?:.*\\\n)*.*)$/m.exec(unit)?.[1] ?? '';
    return line
      .replace(/\\\n\s*/g, ' ')
      .replace(/%i/g, 'n1')
      .replace(/%d/g, '/run/credentials/fleet@n1.service')
      .replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => envFile[name] ?? `\${${name}}`);
  })();

  it('starts a member with flags fleet node start has, and every credential it needs', () => {
    const [args] = fleetInvocations(execStart);
    expect(args?.slice(0, 2)).toEqual(['node', 'start']);
    expect(execStart).not.toMatch(/\$\{/); // every variable comes from the environment file
    expect(checkInvocation(manifest, args!)).toEqual([]);
  });

  it('runs it as fleet init does', () => {
    expect(splitNodeCommand(shellWords(execStart)).nodeOptions).toEqual([...MEMBER_NODE_OPTIONS]);
    for (const [name, value] of Object.entries(MEMBER_ENV)) expect(unit).toMatch(new RegExp(`^Environment=${name}=${value}$`, 'm'));
  });

  it("gives the member's code cache a directory it can write, the package being read-only", () => {
    expect(unit).toMatch(/^ProtectSystem=strict$/m);
    expect(unit).toMatch(/^CacheDirectory=fleet$/m);
    expect(unit).toMatch(/^Environment=FLEET_CODE_CACHE_DIR=%C\/fleet$/m);
  });

  it('hands it the credentials it names', () => {
    for (const name of execStart.match(/\/run\/credentials\/fleet@n1\.service\/([a-z-]+)/g) ?? []) {
      expect(unit).toMatch(new RegExp(`^LoadCredential=${name.split('/').pop()}:`, 'm'));
    }
  });

  it('would be caught if a flag went stale', () => {
    const [args] = fleetInvocations(execStart.replace('--peer-secret-file', '--peer-secret'));
    expect(checkInvocation(manifest, args!)).toContain('fleet node start: unknown flag --peer-secret');
  });
});

describe('deploy/kubernetes/statefulset.yaml', () => {
  const docs = parseAllDocuments(read('deploy/kubernetes/statefulset.yaml')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as { kind: string; metadata: { name: string }; spec?: Record<string, unknown>; stringData?: Record<string, string> };
  });
  const byKind = (kind: string) => {
    const doc = docs.find((d) => d.kind === kind);
    if (!doc) throw new Error(`no ${kind} in statefulset.yaml`);
    return doc;
  };
  /* eslint-disable @typescript-eslint/no-explicit-any -- a Kubernetes manifest, read field by field */
  const set = byKind('StatefulSet').spec as any;
  const container = set.template.spec.containers[0];
  const words: string[] = [...container.command, ...container.args].map((w: string) => w.replace(/\$\(POD_NAME\)/g, `${byKind('StatefulSet').metadata.name}-0`));
  const { nodeOptions, args } = splitNodeCommand(words);
  const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

  it('starts a member with flags fleet node start has, and every credential it needs', () => {
    expect(args.slice(0, 2)).toEqual(['node', 'start']);
    expect(checkInvocation(manifest, args)).toEqual([]);
  });

  it('names three members, one per replica, on the headless Service', () => {
    const service = byKind('Service');
    expect(service.spec?.clusterIP).toBe('None');
    expect(set.serviceName).toBe(service.metadata.name);
    expect(set.replicas).toBe(3);
    const peers = (flag('peers') ?? '').split(',').map((p) => p.split('=')[0]);
    expect(peers).toEqual([0, 1, 2].map((i) => `${byKind('StatefulSet').metadata.name}-${i}`));
    expect(flag('peers')).toContain(`.${service.metadata.name}:`);
    // A member announces its --listen address to its peers: it must be the one they dial.
    expect(flag('peers')?.split(',')[0]).toBe(`${byKind('StatefulSet').metadata.name}-0=${flag('listen')}`);
  });

  it('keeps the data on the volume claim and the credentials in the Secret', () => {
    const claim = set.volumeClaimTemplates[0].metadata.name;
    const dataMount = container.volumeMounts.find((m: { name: string }) => m.name === claim);
    expect(flag('data-dir')?.startsWith(dataMount.mountPath)).toBe(true);
    const secret = byKind('Secret');
    const volume = set.template.spec.volumes.find((v: { secret?: { secretName: string } }) => v.secret);
    expect(volume.secret.secretName).toBe(secret.metadata.name);
    for (const name of ['token-file', 'admin-token-file', 'peer-secret-file']) expect(Object.keys(secret.stringData ?? {})).toContain(flag(name)?.split('/').pop());
  });

  it('probes the gRPC health service on the member port', () => {
    const port = Number(flag('listen')?.split(':').pop());
    expect(container.ports.find((p: { name: string }) => p.name === 'grpc').containerPort).toBe(port);
    expect(container.readinessProbe.grpc.port).toBe(port);
    expect(container.livenessProbe.grpc.port).toBe(port);
  });

  it('runs it as fleet init does', () => {
    expect(nodeOptions).toEqual([...MEMBER_NODE_OPTIONS]);
    for (const [name, value] of Object.entries(MEMBER_ENV)) expect(container.env).toContainEqual({ name, value });
  });
  /* eslint-enable @typescript-eslint/no-explicit-any */
});
