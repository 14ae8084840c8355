/** How the client's gRPC channels reach one member: credentials and options, by address. */
import { credentials, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { readTlsFile, usesTls, type TlsFiles } from './tls.js';

/**
 * The channel credentials for `tls` (plaintext when no file is given). Given the member's
 * address, a member reached by IP is checked against that IP, which fleet's member certificates
 * carry as a subject alternative name (see `memberChannelOptions`).
 */
export function channelCredentials(tls: TlsFiles | undefined, address?: string): ChannelCredentials {
  if (!usesTls(tls)) return credentials.createInsecure();
  const host = address === undefined ? undefined : hostOf(address);
  const verify = host !== undefined && isIP(host) ? { checkServerIdentity: (_sni: string, cert: PeerCertificate) => checkServerIdentity(host, cert) } : {};
  return credentials.createSsl(readTlsFile(tls.cacert, 'CA certificate') ?? null, readTlsFile(tls.key, 'key') ?? null, readTlsFile(tls.cert, 'certificate') ?? null, verify);
}

/**
 * Channel options for a member at `address`: one reached by IP over TLS is sent a fixed SNI
 * name, because RFC 6066 allows no IP address there (Node warns "Setting the TLS ServerName to
 * an IP address"); its certificate is still checked against the IP (`channelCredentials`).
 */
export function memberChannelOptions(address: string, tls: TlsFiles | undefined): ChannelOptions {
  return usesTls(tls) && isIP(hostOf(address)) ? { 'grpc.ssl_target_name_override': IP_TARGET_SNI } : {};
}

/** The SNI name sent to members reached by IP address. */
const IP_TARGET_SNI = 'member.fleet';

function hostOf(address: string): string {
  return address.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
}
