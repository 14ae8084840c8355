import { describe, expect, it } from 'vitest';
import { reportOf } from '../../src/common/errors.js';
import { FleetClientError } from '../../src/client/errors.js';
import { explainConnectFailure, tlsError, tlsProblemOf } from '../../src/client/transport/tls-diagnosis.js';

const noConnection = (last: string) => `127.0.0.1:7781: No connection established. Last error: ${last}. Resolution note: : is it running? (fleet status)`;

describe('tlsProblemOf', () => {
  it('names the problem in what grpc-js and OpenSSL say', () => {
    expect(tlsProblemOf(noConnection('Error: self-signed certificate in certificate chain'))).toBe('untrusted');
    expect(tlsProblemOf(noConnection('Error: unable to verify the first certificate'))).toBe('untrusted');
    expect(tlsProblemOf(noConnection("Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list"))).toBe('name-mismatch');
    expect(tlsProblemOf(noConnection('80FC:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:rec_layer_s3.c:1601:SSL alert number 116'))).toBe('client-cert-required');
    expect(tlsProblemOf(noConnection('SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca'))).toBe('client-cert-refused');
    expect(tlsProblemOf(noConnection('Error: 80FC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'))).toBe('member-plaintext');
  });

  it('leaves other transport failures alone', () => {
    expect(tlsProblemOf(noConnection('Error: connect ECONNREFUSED 127.0.0.1:7781'))).toBeUndefined();
    expect(tlsProblemOf(noConnection('Failed to connect'))).toBeUndefined();
  });
});

describe('tlsError', () => {
  it('is one line naming the endpoint and the flag to fix, exit 1, not retried', () => {
    const err = tlsError('127.0.0.1:7781', 'untrusted', { cacert: '/etc/fleet/ca.pem' });
    expect(err.message).toBe("127.0.0.1:7781: TLS handshake failed: the member's certificate is not signed by --cacert /etc/fleet/ca.pem: pass the cluster's CA with --cacert");
    expect(err.retryable).toBe(false);
    expect(reportOf(err)).toMatchObject({ exitCode: 1, code: 'TLS' });
    expect(tlsError('[::1]:7781', 'name-mismatch', undefined).message).toMatch(/does not name ::1/);
  });
});

describe('explainConnectFailure', () => {
  it('keeps a refused connection as it is, without a second handshake', async () => {
    const refused = new FleetClientError('unavailable', noConnection('Error: connect ECONNREFUSED 127.0.0.1:1'), { endpoint: '127.0.0.1:1' });
    expect(await explainConnectFailure(refused, '127.0.0.1:1', undefined)).toBe(refused);
  });

  it('explains a failure whose message names the TLS problem', async () => {
    const err = new FleetClientError('unavailable', noConnection('Error: self-signed certificate in certificate chain'), { endpoint: '127.0.0.1:7781' });
    const explained = await explainConnectFailure(err, '127.0.0.1:7781', { cacert: '/ca.pem' });
    expect(explained.kind).toBe('tls');
    expect(explained.cause).toBe(err);
  });
});
