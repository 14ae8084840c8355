/**
 * A local certificate authority for `fleet init --tls`, in the spirit of CockroachDB's
 * `cert create-ca` / `create-node` / `create-client`: one CA, one certificate per member and
 * one for the operator, ECDSA P-256, written with mode 0600 (keys) and 0644 (certificates).
 *
 * What the names mean is the peer service's contract (src/core/server/guard/peer-auth.ts): a member
 * certificate has OU=fleet-member and CN=<member id>, and its subject alternative names cover
 * what peers and clients dial (the member's TLS name, localhost, its IP); an operator
 * certificate has OU=fleet-operator, so it opens client and admin calls but no peer stream.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { MEMBER_CERT_OU } from '../../core/server/guard/peer-auth.js';
import { memberServerName } from '../../core/server/guard/member-names.js';

/** The OU of an operator's certificate. */
export const OPERATOR_CERT_OU = 'fleet-operator';
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const LEAF_YEARS = 2;

/** A certificate and its key, as PEM files. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

interface Authority {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly files: CertFiles;
}

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Creates `ca.crt`/`ca.key` in `dir`. */
export async function createAuthority(dir: string, clusterName: string): Promise<Authority> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=fleet CA for ${escapeDn(clusterName)}, O=fleet`,
    ...validity(CA_YEARS),
    keys,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const files = await writePair(dir, 'ca', cert, keys.privateKey);
  return { cert, keys, files };
}

/** A member's certificate: CN=id, OU=fleet-member, valid for its TLS name, localhost and `host`. */
export async function createMemberCert(ca: Authority, dir: string, id: string, host: string): Promise<CertFiles> {
  const names: x509.JsonGeneralName[] = [
    { type: 'dns', value: memberServerName(id) },
    { type: 'dns', value: 'localhost' },
    { type: 'ip', value: '127.0.0.1' },
    { type: 'ip', value: '::1' },
  ];
  if (isIP(host) && host !== '127.0.0.1' && host !== '::1') names.push({ type: 'ip', value: host });
  else if (!isIP(host) && host !== 'localhost') names.push({ type: 'dns', value: host });
  const usages = [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  return issue(ca, dir, `member-${id}`, `CN=${escapeDn(id)}, OU=${MEMBER_CERT_OU}, O=fleet`, usages, names);
}

/** The operator's certificate: OU=fleet-operator, for client and admin calls. */
export async function createOperatorCert(ca: Authority, dir: string): Promise<CertFiles> {
  return issue(ca, dir, 'operator', `CN=operator, OU=${OPERATOR_CERT_OU}, O=fleet`, [x509.ExtendedKeyUsage.clientAuth], []);
}

async function issue(ca: Authority, dir: string, name: string, subject: string, usages: x509.ExtendedKeyUsageType[], altNames: x509.JsonGeneralName[]): Promise<CertFiles> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    ...validity(LEAF_YEARS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return writePair(dir, name, cert, keys.privateKey);
}

async function writePair(dir: string, name: string, cert: x509.X509Certificate, key: CryptoKey): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', key);
  await writeFile(files.key, x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), { mode: 0o600, flag: 'wx' });
  // writeFile's mode is masked by the umask; a key must never be group- or world-readable.
  await chmod(files.key, 0o600);
  await writeFile(files.cert, cert.toString('pem'), { mode: 0o644, flag: 'wx' });
  return files;
}

/** Reads a CA written by `createAuthority` back, to issue more certificates (e.g. for `fleet scale`). */
export async function loadAuthority(dir: string): Promise<Authority> {
  const files = { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
  const cert = new x509.X509Certificate(await readFile(files.cert, 'utf8'));
  const der = x509.PemConverter.decodeFirst(await readFile(files.key, 'utf8'));
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
  const publicKey = await cert.publicKey.export(KEY_ALGORITHM, ['verify']);
  return { cert, keys: { privateKey, publicKey } as CryptoKeyPair, files };
}

function validity(years: number): { notBefore: Date; notAfter: Date } {
  // A minute of slack: members whose clocks are a little behind must accept a fresh certificate.
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + years * 365 * 86_400_000);
  return { notBefore, notAfter };
}

function serial(): string {
  // Positive (high bit clear) and 16 bytes, as RFC 5280 asks.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function escapeDn(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`);
}
