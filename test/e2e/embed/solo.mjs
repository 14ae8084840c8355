// An application hosting a member, as an outsider writes it: `fleet/embed` by the package's name.
import { startMember } from 'fleet/embed';

const [dataDir, listen, otherDir] = process.argv.slice(2);
const member = await startMember({ id: 'app1', dataDir, listen, apis: ['fleet'] });
const signalHandlers = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
const ready = await member.ready({ timeoutMs: 10_000 });
const client = member.client();
const put = await client.kvPut('jobs/next', '42');
const got = await client.kvGet('jobs/next', { consistency: { minIndex: put.index } });
const bad = await startMember({ id: '../evil', dataDir, listen }).catch((err) => err.code);
// The port this member holds: refused with a code, and grpc-js says nothing on stderr about it.
const taken = await startMember({ id: 'app2', dataDir: otherDir, listen }).catch((err) => ({ code: err.code, retryable: err.retryable }));
await member.stop();
const after = member.status();
console.log(JSON.stringify({ value: got?.value, index: put.index, signalHandlers, bad, taken, ready: ready.leaderId, state: after.state, role: after.role }));
// No process.exit: the test checks that nothing of the member keeps the process alive.
