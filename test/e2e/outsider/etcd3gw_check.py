#!/usr/bin/python3
"""python3-etcd3gw (OpenStack's client of etcd's HTTP/JSON gateway) against one endpoint.

Run by test/e2e/python-etcd-clients.long.test.ts, against a real etcd and against fleet, and it
must pass on both unchanged: KV (put, get, get_prefix, create, replace, a transaction, delete),
leases (grant, ttl, keys attached, refresh, revoke, expiry), the lock recipe (acquire, is_acquired,
release) and watches (watch_once, an iterator over a prefix with cancel, a watch kept open while
idle). Prints "ok NAME" per check; on the first failure, "FAIL NAME: error" and the last HTTP
exchanges (path, request body, status, response body) on stderr, and exits 1.

    /usr/bin/python3 etcd3gw_check.py --endpoint 127.0.0.1:2379 [--prefix etcd3gw-check/]
"""
import argparse
import collections
import json
import sys
import threading
import time
import traceback

from etcd3gw.client import Etcd3Client
from etcd3gw.exceptions import WatchTimedOut
from etcd3gw.utils import _encode

# The HTTP exchanges of the client, the last few, for a failure's report.
EXCHANGES = collections.deque(maxlen=12)


def record(resp, *_args, **_kwargs):
    req = resp.request
    body = req.body.decode() if isinstance(req.body, bytes) else req.body
    if resp.request.url.endswith('/watch'):
        answer = '(a stream)'  # reading it here would wait for the stream's end
    else:
        answer = resp.text
    EXCHANGES.append('%s %s %s\n  sent: %s\n  got: %s %s' % (req.method, req.url, resp.status_code, body, resp.status_code, answer))


def with_timeout(session):
    """Bounds every request: the library's timeout option sets an attribute requests never reads.

    A watch's stream may be silent up to the read timeout, longer than any wait here."""
    request = session.request

    def bounded(*args, **kwargs):
        kwargs.setdefault('timeout', (5, 30))
        return request(*args, **kwargs)

    session.request = bounded


def expect(what, got, want):
    if got != want:
        raise AssertionError('%s: got %r, want %r' % (what, got, want))


def revision(client):
    """The store's current revision, from a range's header."""
    return int(client.post(client.get_url('/kv/range'), json={'key': _encode('\0')})['header']['revision'])


def wait_until(what, cond, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError('timed out after %ss waiting for %s' % (timeout, what))
        time.sleep(0.1)


def check_kv(client, p):
    expect('put', client.put(p + 'a', 'v1'), True)
    expect('get', client.get(p + 'a'), [b'v1'])
    [(value, meta)] = client.get(p + 'a', metadata=True)
    expect('get with metadata: value', value, b'v1')
    expect('get with metadata: key', meta['key'], (p + 'a').encode())
    expect('get with metadata: version', meta['version'], '1')
    if int(meta['create_revision']) <= 0 or meta['mod_revision'] != meta['create_revision']:
        raise AssertionError('revisions of a new key: %r' % meta)
    expect('get of a missing key', client.get(p + 'missing'), [])
    client.put(p + 'b', 'v2')
    client.put(p + 'c', 'v3')
    expect('get_prefix', [(v, m['key']) for v, m in client.get_prefix(p)], [(b'v1', (p + 'a').encode()), (b'v2', (p + 'b').encode()), (b'v3', (p + 'c').encode())])
    expect('get_prefix descending', [v for v, _ in client.get_prefix(p, sort_order='descend', sort_target='key')], [b'v3', b'v2', b'v1'])
    expect('create of a new key', client.create(p + 'new', 'x'), True)
    expect('create of an existing key', client.create(p + 'new', 'y'), False)
    expect('value after a refused create', client.get(p + 'new'), [b'x'])
    expect('replace from the current value', client.replace(p + 'a', 'v1', 'v1b'), True)
    expect('replace from a stale value', client.replace(p + 'a', 'v1', 'v1c'), False)
    expect('value after replace', client.get(p + 'a'), [b'v1b'])


def check_txn(client, p):
    key, other = _encode(p + 'a'), _encode(p + 'b')
    txn = {
        'compare': [{'key': key, 'result': 'EQUAL', 'target': 'VALUE', 'value': _encode('v1b')}],
        'success': [{'request_put': {'key': other, 'value': _encode('from-txn')}}, {'request_range': {'key': key}}],
        'failure': [{'request_range': {'key': other}}],
    }
    res = client.transaction(txn)
    expect('txn succeeded', res.get('succeeded'), True)
    expect('txn responses', [list(r.keys())[0] for r in res['responses']], ['response_put', 'response_range'])
    expect('txn range in the success branch', res['responses'][1]['response_range']['kvs'][0]['value'], _encode('v1b'))
    expect('txn put', client.get(p + 'b'), [b'from-txn'])
    txn['compare'][0]['value'] = _encode('not-it')
    res = client.transaction(txn)
    expect('txn with a false compare', res.get('succeeded', False), False)
    expect('txn failure branch', res['responses'][0]['response_range']['kvs'][0]['value'], _encode('from-txn'))


def check_delete(client, p):
    expect('delete', client.delete(p + 'new'), True)
    expect('get after delete', client.get(p + 'new'), [])
    expect('delete of a missing key', client.delete(p + 'new'), False)
    expect('delete_prefix', client.delete_prefix(p), True)
    expect('get_prefix after delete_prefix', client.get_prefix(p), [])


def check_lease(client, p):
    lease = client.lease(ttl=30)
    if lease.id <= 0:
        raise AssertionError('lease id %r' % lease.id)
    ttl = lease.ttl()
    if not 20 <= ttl <= 30:
        raise AssertionError('ttl of a new 30 s lease: %r' % ttl)
    client.put(p + 'leased', 'yes', lease=lease)
    expect('keys attached', lease.keys(), [(p + 'leased').encode()])
    [(_, meta)] = client.get(p + 'leased', metadata=True)
    expect('the key names its lease', int(meta['lease']), lease.id)
    expect('refresh answers the ttl', lease.refresh(), 30)
    expect('revoke', lease.revoke(), True)
    expect('the key went with the lease', client.get(p + 'leased'), [])
    expect('ttl of a revoked lease', lease.ttl(), -1)
    short = client.lease(ttl=3)
    client.put(p + 'expiring', 'soon', lease=short)
    wait_until('a 3 s lease to expire with its key', lambda: client.get(p + 'expiring') == [], timeout=15)
    expect('ttl of an expired lease', short.ttl(), -1)


def check_lock(client, _p):
    name = 'etcd3gw-check-%d' % time.time_ns()
    first = client.lock(name, ttl=30)
    expect('acquire', first.acquire(), True)
    expect('is_acquired by its holder', first.is_acquired(), True)
    second = client.lock(name, ttl=30)
    expect('acquire of a held lock', second.acquire(), False)
    expect('is_acquired by a waiter', second.is_acquired(), False)
    expect('release', first.release(), True)
    expect('is_acquired after release', first.is_acquired(), False)
    expect('release of a lock not held', first.release(), False)
    expect('acquire once free', second.acquire(), True)
    expect('refresh of the holder', second.refresh(), 30)
    expect('release of the second', second.release(), True)
    with client.lock(name + '-cm', ttl=30) as held:
        expect('is_acquired in a with block', held.is_acquired(), True)
    expect('released at the end of the with block', client.get('/locks/' + name + '-cm'), [])


def watch_once_in_thread(client, key, **kwargs):
    box = {}

    def run():
        try:
            box['event'] = client.watch_once(key, timeout=15, **kwargs)
        except WatchTimedOut as err:
            box['error'] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def check_watch_once(client, p):
    thread, box = watch_once_in_thread(client, p + 'w', start_revision=revision(client) + 1)
    client.put(p + 'w', 'seen')
    thread.join(20)
    if 'event' not in box:
        raise AssertionError('watch_once saw no event: %r' % box.get('error'))
    event = box['event']
    expect('event key', event['kv']['key'], (p + 'w').encode())
    expect('event value', event['kv']['value'], b'seen')
    expect('event type of a put (PUT is the zero value, left out)', event.get('type', 'PUT'), 'PUT')


def check_watch_idle(client, p):
    """A watch whose client sent its request and nothing since lives until an event comes."""
    thread, box = watch_once_in_thread(client, p + 'idle', start_revision=revision(client) + 1)
    thread.join(3)  # the watch stays open this long with nothing to say
    if not thread.is_alive():
        raise AssertionError('watch_once ended while idle: %r' % box)
    client.put(p + 'idle', 'late')
    thread.join(20)
    if 'event' not in box:
        raise AssertionError('an idle watch_once saw no event: %r' % box.get('error'))
    expect('late event value', box['event']['kv']['value'], b'late')


def check_watch_iterator(client, p):
    events, cancel = client.watch_prefix(p + 'it/', start_revision=revision(client) + 1, prev_kv=True)
    client.put(p + 'it/1', 'one')
    client.put(p + 'it/1', 'uno')
    client.delete(p + 'it/1')
    client.put(p + 'other', 'not watched')
    client.put(p + 'it/2', 'two')
    seen = []
    for event in events:
        seen.append((event.get('type', 'PUT'), event['kv']['key'], event['kv'].get('value'), event.get('prev_kv', {}).get('value')))
        if len(seen) == 4:
            break
    cancel()
    want = [
        ('PUT', (p + 'it/1').encode(), b'one', None),
        ('PUT', (p + 'it/1').encode(), b'uno', _encode('one')),
        ('DELETE', (p + 'it/1').encode(), None, _encode('uno')),
        ('PUT', (p + 'it/2').encode(), b'two', None),
    ]
    expect('events of a prefix watch', seen, want)
    expect('the iterator ends once cancelled', list(events), [])


def check_cluster(client, _p):
    members = client.members()
    if len(members) < 1 or not all(m.get('clientURLs') for m in members):
        raise AssertionError('member list: %r' % members)
    status = client.status()
    if not status.get('version') or 'header' not in status:
        raise AssertionError('status: %r' % status)
    return len(members)


CHECKS = [check_kv, check_txn, check_delete, check_lease, check_lock, check_watch_once, check_watch_idle, check_watch_iterator, check_cluster]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--endpoint', required=True, help='host:port of the gateway (a member\'s client port)')
    parser.add_argument('--prefix', default='etcd3gw-check/')
    args = parser.parse_args()
    host, port = args.endpoint.rsplit(':', 1)
    # etcd 3.4 serves the gateway at /v3/ and /v3beta/ (the library's default, /v3alpha/, went in 3.4).
    client = Etcd3Client(host=host, port=int(port), api_path='/v3/')
    with_timeout(client.session)
    client.session.hooks['response'].append(record)
    for check in CHECKS:
        try:
            check(client, args.prefix)
        except Exception:  # noqa: BLE001 -- any failure is reported with the exchanges behind it
            print('FAIL %s: %s' % (check.__name__, traceback.format_exc()), file=sys.stderr)
            print('last HTTP exchanges:\n' + '\n'.join(EXCHANGES), file=sys.stderr)
            sys.exit(1)
        print('ok %s' % check.__name__, flush=True)
    print(json.dumps({'passed': [c.__name__ for c in CHECKS]}))


if __name__ == '__main__':
    main()
