/**
 * TLS files (PEM) as the client takes them, without grpc-js: both the gRPC channels
 * (fleet-client.ts) and the status probe (probe/h2-unary.ts) read them here.
 */
import { readFileSync } from 'node:fs';
import { FleetClientError } from '../errors.js';

/** TLS files (PEM). With none, connections are plaintext. */
export interface TlsFiles {
  readonly cacert?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
}

/** Whether any TLS file is given (else the connection is plaintext). */
export function usesTls(tls: TlsFiles | undefined): tls is TlsFiles {
  return tls !== undefined && (tls.cacert !== undefined || tls.cert !== undefined || tls.key !== undefined);
}

/** One of the files; the error names it and what it was for. */
export function readTlsFile(path: string | undefined, what: 'CA certificate' | 'certificate' | 'key'): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new FleetClientError('invalid', `cannot read the TLS ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}
