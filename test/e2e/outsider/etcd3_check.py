#!/usr/bin/python3
"""python3-etcd3 (Debian's gRPC client of etcd's v3 API) over mutual TLS, logged in as a user.

Run by test/e2e/python-etcd-clients.long.test.ts against a real etcd (TLS, auth enabled) and
against a `fleet init --tls` cluster (a user name, a fleet token as the password), and it must
pass on both unchanged: KV (put, get, get_prefix, a transaction, delete), leases (grant, ttl,
keys, refresh, revoke), the lock recipe, watches (watch_once, an iterator with cancel) and a
wrong password refused. Prints "ok NAME" per check; on the first failure, "FAIL NAME: error" on
stderr and exits 1.

    /usr/bin/python3 etcd3_check.py --endpoint 127.0.0.1:2379 --ca CA --cert CERT --key KEY \
        --user NAME --password SECRET [--prefix etcd3-check/]
"""
import argparse
import json
import sys
import threading
import time
import traceback

import etcd3
import grpc


def expect(what, got, want):
    if got != want:
        raise AssertionError('%s: got %r, want %r' % (what, got, want))


def check_kv(client, p):
    client.put(p + 'a', 'v1')
    value, meta = client.get(p + 'a')
    expect('get', value, b'v1')
    expect('version of a new key', meta.version, 1)
    expect('get of a missing key', client.get(p + 'missing'), (None, None))
    client.put(p + 'b', 'v2')
    expect('get_prefix', sorted((v, m.key) for v, m in client.get_prefix(p)), [(b'v1', (p + 'a').encode()), (b'v2', (p + 'b').encode())])
    expect('put_if_not_exists of a new key', client.put_if_not_exists(p + 'new', 'x'), True)
    expect('put_if_not_exists of an existing key', client.put_if_not_exists(p + 'new', 'y'), False)
    expect('replace from the current value', client.replace(p + 'a', 'v1', 'v1b'), True)
    expect('replace from a stale value', client.replace(p + 'a', 'v1', 'v1c'), False)
    ok, responses = client.transaction(
        compare=[client.transactions.value(p + 'a') == 'v1b'],
        success=[client.transactions.put(p + 'c', 'from-txn'), client.transactions.get(p + 'a')],
        failure=[],
    )
    expect('txn succeeded', ok, True)
    expect('txn get in the success branch', [v for v, _ in responses[1]], [b'v1b'])
    expect('txn put', client.get(p + 'c')[0], b'from-txn')
    expect('delete', client.delete(p + 'new'), True)
    expect('delete of a missing key', client.delete(p + 'new'), False)
    client.delete_prefix(p)
    expect('get_prefix after delete_prefix', list(client.get_prefix(p)), [])


def check_lease(client, p):
    lease = client.lease(30)
    remaining = lease.remaining_ttl
    if not 20 <= remaining <= 30:
        raise AssertionError('remaining ttl of a new 30 s lease: %r' % remaining)
    expect('granted ttl', lease.granted_ttl, 30)
    client.put(p + 'leased', 'yes', lease=lease)
    expect('keys attached', lease.keys, [(p + 'leased').encode()])
    expect('the key names its lease', client.get(p + 'leased')[1].lease_id, lease.id)
    [answer] = list(lease.refresh())
    expect('refresh answers the ttl', answer.TTL, 30)
    lease.revoke()
    expect('the key went with the lease', client.get(p + 'leased'), (None, None))
    expect('ttl of a revoked lease', lease.remaining_ttl, -1)


def check_lock(client, _p):
    name = 'etcd3-check-%d' % time.time_ns()
    first = client.lock(name, ttl=30)
    expect('acquire', first.acquire(timeout=5), True)
    expect('is_acquired by its holder', first.is_acquired(), True)
    # A second acquire of a held lock would wait through the library's tenacity retry, which
    # Debian's tenacity breaks (TypeError in its wait()): the waiter is checked by what it sees.
    second = client.lock(name, ttl=30)
    expect('is_acquired by another', second.is_acquired(), False)
    expect('the lock key holds its holder', client.get(first.key)[0], first.uuid)
    expect('release', first.release(), True)
    expect('is_acquired after release', first.is_acquired(), False)
    expect('acquire once free', second.acquire(timeout=5), True)
    expect('release of the second', second.release(), True)


def revision(client):
    """The store's current revision, from a range's header."""
    return client.get_response('\0').header.revision


def check_watch_once(client, p):
    box = {}
    # From the next revision: the put below is seen however late the watch is created.
    start_revision = revision(client) + 1

    def run():
        try:
            box['event'] = client.watch_once(p + 'w', timeout=15, start_revision=start_revision)
        except etcd3.exceptions.WatchTimedOut as err:
            box['error'] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    client.put(p + 'w', 'seen')
    thread.join(20)
    if 'event' not in box:
        raise AssertionError('watch_once saw no event: %r' % box.get('error'))
    expect('event key', box['event'].key, (p + 'w').encode())
    expect('event value', box['event'].value, b'seen')
    expect('event type', type(box['event']).__name__, 'PutEvent')


def check_watch_iterator(client, p):
    events, cancel = client.watch_prefix(p + 'it/', start_revision=revision(client) + 1)
    client.put(p + 'it/1', 'one')
    client.delete(p + 'it/1')
    client.put(p + 'other', 'not watched')
    client.put(p + 'it/2', 'two')
    seen = []
    for event in events:
        seen.append((type(event).__name__, event.key, event.value))
        if len(seen) == 3:
            break
    cancel()
    want = [('PutEvent', (p + 'it/1').encode(), b'one'), ('DeleteEvent', (p + 'it/1').encode(), b''), ('PutEvent', (p + 'it/2').encode(), b'two')]
    expect('events of a prefix watch', seen, want)


def check_wrong_password(args):
    try:
        etcd3.client(host=args.host, port=args.port, ca_cert=args.ca, cert_cert=args.cert, cert_key=args.key, user=args.user, password=args.password + '-wrong', timeout=10)
    except grpc.RpcError as err:
        expect('code of a wrong password', err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        expect('message of a wrong password', err.details(), 'etcdserver: authentication failed, invalid user ID or password')
        return
    raise AssertionError('a wrong password was accepted')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--endpoint', required=True, help='host:port of a member\'s client port')
    for name in ('ca', 'cert', 'key', 'user', 'password'):
        parser.add_argument('--' + name, required=True)
    parser.add_argument('--prefix', default='etcd3-check/')
    args = parser.parse_args()
    args.host, port = args.endpoint.rsplit(':', 1)
    args.port = int(port)
    client = etcd3.client(host=args.host, port=args.port, ca_cert=args.ca, cert_cert=args.cert, cert_key=args.key, user=args.user, password=args.password, timeout=10)
    checks = [
        ('kv', lambda: check_kv(client, args.prefix)),
        ('lease', lambda: check_lease(client, args.prefix)),
        ('lock', lambda: check_lock(client, args.prefix)),
        ('watch_once', lambda: check_watch_once(client, args.prefix)),
        ('watch_iterator', lambda: check_watch_iterator(client, args.prefix)),
        ('wrong_password', lambda: check_wrong_password(args)),
    ]
    for name, check in checks:
        try:
            check()
        except Exception:  # noqa: BLE001 -- any failure is reported whole
            print('FAIL %s: %s' % (name, traceback.format_exc()), file=sys.stderr)
            sys.exit(1)
        print('ok %s' % name, flush=True)
    client.close()
    print(json.dumps({'passed': [name for name, _ in checks]}))


if __name__ == '__main__':
    main()
