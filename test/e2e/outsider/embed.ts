/**
 * An application embedding a member, as a new user of 'fleet/embed' writes it: public imports
 * only, type-checked strictly in a fresh project where the packed tarball is installed
 * (test/e2e/package.long.test.ts). The types carry the host's state machine into `read` (no
 * cast), the events are typed, and every refusal has a code. It prints one JSON document and
 * must end on its own once the member is stopped.
 */
import { MemberError, startMember, type AppCommand, type EmbeddedMember, type MemberErrorCode, type ReadyInfo, type StateMachine } from 'fleet/embed';

class Tally implements StateMachine {
  counts: Record<string, number> = {};
  apply(command: AppCommand): number {
    const key = Buffer.from(command.payload).toString();
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    return this.counts[key];
  }
  snapshot(): Uint8Array {
    return Buffer.from(JSON.stringify(this.counts));
  }
  restore(image: Uint8Array): void {
    this.counts = image.length === 0 ? {} : (JSON.parse(Buffer.from(image).toString()) as Record<string, number>);
  }
}

async function codeOf(p: Promise<unknown>): Promise<MemberErrorCode | string> {
  return p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof MemberError ? err.code : String(err)),
  );
}

const [dataDir = 'data'] = process.argv.slice(2);
const member: EmbeddedMember<Tally> = await startMember({ id: 'outsider', dataDir, listen: '127.0.0.1:0', stateMachine: new Tally() });
const fatal: MemberError[] = [];
member.on('fatal', (err) => fatal.push(err));
const ready: ReadyInfo = await member.ready({ timeoutMs: 10_000 });
const { index } = await member.submitWrite('count', 'jobs');
const { value: jobs } = await member.read((tally) => tally.counts['jobs'] ?? 0, { consistency: { minIndex: index } });
const counted: number = jobs;
const noClient = await codeOf(Promise.resolve().then(() => member.client()));
await member.stop();
const afterStop = await codeOf(member.submitWrite('count', 'jobs'));
console.log(JSON.stringify({ leader: ready.leaderId, counted, noClient, afterStop, state: member.status().state, fatal: fatal.length }));
