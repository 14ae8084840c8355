// An application hosting a member, as an outsider writes it: `fleet/embed` by the package's name.
import { startMember } from 'fleet/embed';

const [dataDir, listen] = process.argv.slice(2);
const member = await startMember({ id: 'app1', dataDir, listen });
const signalHandlers = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
const client = member.client();
const put = await client.kvPut('jobs/next', '42');
const got = await client.kvGet('jobs/next', { consistency: { minIndex: put.index } });
const bad = await startMember({ id: '../evil', dataDir, listen }).catch((err) => err.code);
await member.stop();
console.log(JSON.stringify({ value: got?.value, index: put.index, signalHandlers, bad }));
// No process.exit: the test checks that nothing of the member keeps the process alive.
