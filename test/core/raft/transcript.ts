/**
 * Transcript tests for the Raft core, in the manner of etcd-io/raft's testdata: a scenario file
 * is a list of commands, each followed by the output it must produce — the Readies the members
 * handled (state changes, entries, messages) and the messages delivered — so that a reader sees
 * the protocol run step by step, and a change in the core's behaviour shows as a diff of text.
 *
 * File format (test/core/raft/testdata/*.txt):
 *
 *     # a comment (lines starting with '#' between blocks are kept as they are)
 *     command arg key=value
 *     ----
 *     the expected output, which never contains a blank line
 *     (a blank line ends the block; an empty output is written as `ok`)
 *
 * Commands (member ids are n1, n2, …; `n` means one of them):
 *   add-nodes COUNT [join=true] [pre-vote=B] [check-quorum=B]
 *                             founding voters n1..nCOUNT, or (join=true) COUNT new members that
 *                             know no membership and learn it by replication
 *   campaign n                the member starts an election (a pre-vote round first, if enabled)
 *   propose n VALUE           proposes one normal entry
 *   add-learner n ID | add-voter n ID | remove n ID
 *                             proposes a membership change on n (the leader)
 *   transfer-leader n TO      asks leader n to hand leadership to TO
 *   read-index n CTX          starts a linearizable read tagged CTX
 *   tick n [COUNT]            ticks n COUNT times (default 1)
 *   tick-heartbeat n          ticks n for one heartbeat interval
 *   tick-election n           ticks n until its role changes (a follower campaigns, a leader without
 *                             a quorum steps down), at most twice the longest election timeout: a
 *                             leader's first check-quorum finds its peers active since it was elected
 *   process-ready n           handles one Ready of n, if it has one
 *   deliver-msgs n            delivers the messages queued for n, in the order they were sent
 *   stabilize                 handles Readies and delivers messages until nothing moves
 *   isolate n | heal          cuts every link of n (messages over it are shown as dropped) | mends all
 *   status n                  the member's state (and, on a leader, each follower's progress)
 *   raft-log n                the member's log
 *   log-level LEVEL           shows the core's own log lines at LEVEL or above (debug, info, warn, none)
 *
 * Run with `npx vitest run test/core/raft/transcript.test.ts`. After an intended change of the
 * core's behaviour, regenerate the expected output with
 * `REWRITE=1 npx vitest run test/core/raft/transcript.test.ts` and review the diff before committing.
 *
 * Every run is deterministic: each member draws its election jitter from `seeded()` with its own seed.
 * Identical messages in one Ready are shown once, at the first one's place, with `×N`; so are
 * identical messages delivered one after another.
 */
import { decodeConfChange } from '../../../src/core/raft/conf-change.js';
import type { ConfChange, Entry, Message, NodeId, Ready, RaftLogger } from '../../../src/core/raft/types.js';
import { TestMember, bytes } from './harness.js';

/** Ticks between heartbeats and the base election timeout of every transcript member. */
export const HEARTBEAT_TICKS = 1;
export const ELECTION_TICKS = 6;
/** The longest randomized election timeout (raft.ts draws in [electionTicks, 1.5 × electionTicks)). */
const MAX_ELECTION_WAIT = ELECTION_TICKS + Math.ceil(ELECTION_TICKS / 2);

/** One command whose output differed from the file's expectation. */
export interface Mismatch {
  /** The 1-based line of the command in the scenario. */
  readonly line: number;
  readonly command: string;
  readonly expected: string;
  readonly actual: string;
}

export interface TranscriptResult {
  /** The scenario with every expectation replaced by the actual output (what REWRITE=1 writes). */
  readonly text: string;
  readonly mismatches: readonly Mismatch[];
}

interface Block {
  readonly line: number;
  readonly comments: readonly string[];
  readonly command: string;
  readonly expected: string;
}

/** Runs a scenario and compares each command's output with its expectation. */
export function runTranscript(source: string): TranscriptResult {
  const env = new TranscriptEnv();
  const blocks = parse(source);
  const mismatches: Mismatch[] = [];
  const out: string[] = [];
  for (const b of blocks) {
    const actual = env.run(b.command);
    if (actual !== b.expected) mismatches.push({ line: b.line, command: b.command, expected: b.expected, actual });
    out.push(...b.comments, b.command, '----', actual, '');
  }
  return { text: out.join('\n'), mismatches };
}

/** A mismatch as a failing test reports it. */
export function describeMismatch(m: Mismatch): string {
  return `line ${m.line}: ${m.command}\n--- expected\n${m.expected}\n+++ actual\n${m.actual}`;
}

function parse(source: string): Block[] {
  const lines = source.split('\n');
  const blocks: Block[] = [];
  let comments: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      if (line.startsWith('#')) comments.push(line);
      i++;
      continue;
    }
    const start = i;
    if (lines[i + 1] !== '----') throw new Error(`line ${start + 1}: a command must be followed by a '----' line: ${line}`);
    i += 2;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    blocks.push({ line: start + 1, comments, command: line, expected: expected.join('\n') });
    comments = [];
  }
  return blocks;
}

const LEVELS = { debug: 0, info: 1, warn: 2, none: 3 } as const;
type Level = keyof typeof LEVELS;

/** Members, the messages in flight between them, and the lines the current command printed. */
class TranscriptEnv {
  private readonly members = new Map<NodeId, TestMember>();
  /** Messages sent and not yet delivered, in the order they were sent. */
  private inFlight: Message[] = [];
  private readonly cut = new Set<NodeId>();
  private level: Level = 'none';
  private lines: string[] = [];

  run(command: string): string {
    this.lines = [];
    const [name = '', ...rest] = command.trim().split(/\s+/);
    const args = rest.filter((a) => !a.includes('='));
    const opts = new Map(rest.filter((a) => a.includes('=')).map((a) => a.split('=', 2) as [string, string]));
    this.dispatch(name, args, opts);
    return this.lines.length === 0 ? 'ok' : this.lines.join('\n');
  }

  private dispatch(name: string, args: string[], opts: Map<string, string>): void {
    const n = (): TestMember => this.member(args[0]);
    switch (name) {
      case 'add-nodes':
        return this.addNodes(Number(args[0]), opts);
      case 'campaign':
        return n().node.campaign();
      case 'propose':
        return this.refused(n().node.propose([bytes(args[1] ?? '')]));
      case 'add-learner':
      case 'add-voter':
      case 'remove':
        return this.refused(n().node.proposeConfChange({ type: name, node: args[1] ?? '' }));
      case 'transfer-leader':
        return this.refused(n().node.transferLeader(args[1] ?? ''));
      case 'read-index':
        return this.refused(n().node.readIndex(bytes(args[1] ?? '')));
      case 'tick':
        return this.tick(n(), Number(args[1] ?? 1));
      case 'tick-heartbeat':
        return this.tick(n(), HEARTBEAT_TICKS);
      case 'tick-election':
        return this.tickElection(n());
      case 'process-ready':
        if (!this.processReady(n())) this.lines.push(`${n().id}: no Ready`);
        return;
      case 'deliver-msgs':
        if (!this.deliver(n().id)) this.lines.push(`${n().id}: no messages`);
        return;
      case 'stabilize':
        return this.stabilize();
      case 'isolate':
        return void this.cut.add(n().id);
      case 'heal':
        return this.cut.clear();
      case 'status':
        return this.status(n());
      case 'raft-log':
        return this.raftLog(n());
      case 'log-level':
        return this.setLevel(args[0] ?? '');
      default:
        throw new Error(`unknown command: ${name}`);
    }
  }

  private member(id: string | undefined): TestMember {
    const m = id === undefined ? undefined : this.members.get(id);
    if (!m) throw new Error(`no member ${id ?? '(none given)'}`);
    return m;
  }

  private addNodes(count: number, opts: Map<string, string>): void {
    const join = opts.get('join') === 'true';
    const first = this.members.size + 1;
    const ids = Array.from({ length: count }, (_, i) => `n${first + i}`);
    const config = {
      heartbeatTicks: HEARTBEAT_TICKS,
      electionTicks: ELECTION_TICKS,
      preVote: opts.get('pre-vote') !== 'false',
      checkQuorum: opts.get('check-quorum') !== 'false',
      logger: this.logger(),
    };
    for (const [i, id] of ids.entries()) {
      const m = new TestMember(id, join ? [] : ids, config, first + i);
      this.members.set(id, m);
      const st = m.node.status();
      this.lines.push(`${id}: term ${st.term}, ${st.role}, last index ${st.lastIndex}, ${conf(st.conf.voters, st.conf.learners)}`);
    }
  }

  private logger(): RaftLogger {
    const line = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
      if (LEVELS[level] < LEVELS[this.level]) return;
      const rest = Object.entries(fields ?? {}).filter(([k]) => k !== 'id');
      const id = typeof fields?.id === 'string' ? `${fields.id} ` : '';
      this.lines.push(`${level.toUpperCase()} ${id}${msg}${rest.map(([k, v]) => ` ${k}=${value(v)}`).join('')}`);
    };
    return { debug: line('debug'), info: line('info'), warn: line('warn') };
  }

  private setLevel(level: string): void {
    if (!(level in LEVELS)) throw new Error(`unknown log level: ${level}`);
    this.level = level as Level;
  }

  private refused(result: { ok: boolean; error?: string } | string | undefined): void {
    const error = typeof result === 'object' ? (result.ok ? undefined : result.error) : result;
    if (error !== undefined) this.lines.push(`refused: ${error}`);
  }

  private tick(m: TestMember, count: number): void {
    for (let i = 0; i < count; i++) m.node.tick();
  }

  private tickElection(m: TestMember): void {
    const before = m.node.status().role;
    for (let i = 1; i <= 2 * MAX_ELECTION_WAIT; i++) {
      m.node.tick();
      const after = m.node.status().role;
      if (after !== before) return void this.lines.push(`${m.id}: ${before} -> ${after} after ${i} ticks`);
    }
    this.lines.push(`${m.id}: still ${before} after ${2 * MAX_ELECTION_WAIT} ticks`);
  }

  private processReady(m: TestMember): boolean {
    if (!m.node.hasReady()) return false;
    this.lines.push(`> ${m.id} handling Ready`);
    const sent = m.handleReady((rd) => this.printReady(rd));
    this.inFlight.push(...sent);
    return true;
  }

  private printReady(rd: Ready): void {
    const p = (s: string) => this.lines.push(`  ${s}`);
    if (rd.softState) p(`soft state: role=${rd.softState.role} leader=${rd.softState.leader || '-'}`);
    if (rd.hardState) p(`hard state: term=${rd.hardState.term} vote=${rd.hardState.vote || '-'} commit=${rd.hardState.commit}${rd.mustSync ? '' : ' (no sync)'}`);
    if (rd.snapshot) p(`snapshot: ${snapshot(rd.snapshot.meta)}`);
    if (rd.entries.length > 0) p(`entries: ${rd.entries.map(entry).join(', ')}`);
    if (rd.committedEntries.length > 0) p(`committed: ${rd.committedEntries.map(entry).join(', ')}`);
    for (const rs of rd.readStates) p(`read state: index=${rs.index} ${context(rs.context)}`);
    if (rd.messages.length > 0) p('messages:');
    for (const line of collapse(rd.messages.map(message))) p(`  ${line}`);
    if (rd.messagesAfterPersist.length > 0) p('after persist:');
    for (const line of collapse(rd.messagesAfterPersist.map(message))) p(`  ${line}`);
    if (this.lines[this.lines.length - 1]!.startsWith('>')) p('(empty)');
  }

  /** Delivers the messages queued for `to`; true if there were any. */
  private deliver(to: NodeId): boolean {
    const mine = this.inFlight.filter((m) => m.to === to);
    if (mine.length === 0) return false;
    this.inFlight = this.inFlight.filter((m) => m.to !== to);
    this.lines.push(`> ${to} receiving messages`);
    const target = this.members.get(to);
    for (const m of mine) {
      if (!target || this.cut.has(m.from) || this.cut.has(m.to)) {
        this.pushRepeated(`  ${message(m)} DROPPED`);
        continue;
      }
      this.pushRepeated(`  ${message(m)}`);
      const withData = m.type === 'snap' && m.snapshot && !m.snapshot.data ? { ...m, snapshot: this.member(m.from).snapshot! } : m;
      target.node.step(withData);
    }
    return true;
  }

  /** Adds `line`, or counts it on the last line when it repeats that one (the core logged nothing between). */
  private pushRepeated(line: string): void {
    const last = this.lines.length - 1;
    const match = /^(.*?)(?: ×(\d+))?$/.exec(this.lines[last] ?? '');
    if (match?.[1] === line) this.lines[last] = `${line} ×${Number(match[2] ?? 1) + 1}`;
    else this.lines.push(line);
  }

  private stabilize(): void {
    for (let round = 0; round < 1_000; round++) {
      let moved = false;
      for (const m of this.members.values()) while (this.processReady(m)) moved = true;
      for (const id of this.members.keys()) if (this.deliver(id)) moved = true;
      // Messages to members that do not exist (yet) are dropped, as a network would.
      const stray = this.inFlight.filter((m) => !this.members.has(m.to));
      for (const m of stray) this.lines.push(`  ${message(m)} DROPPED (no such member)`);
      this.inFlight = this.inFlight.filter((m) => this.members.has(m.to));
      if (!moved) return;
    }
    throw new Error('stabilize: still moving after 1000 rounds');
  }

  private status(m: TestMember): void {
    const st = m.node.status();
    this.lines.push(
      `${st.id}: ${st.role} term=${st.term} vote=${st.vote || '-'} leader=${st.leader || '-'} commit=${st.commit} applied=${st.applied} last=${st.lastIndex}`,
      `  ${conf(st.conf.voters, st.conf.learners)}${st.transferee ? ` transferee=${st.transferee}` : ''}`,
    );
    for (const [id, pr] of st.progress) {
      if (id === st.id) continue;
      this.lines.push(`  ${id}: ${pr.state} match=${pr.match} next=${pr.next}${pr.learner ? ' learner' : ''}${pr.recentActive ? '' : ' inactive'}`);
    }
  }

  private raftLog(m: TestMember): void {
    if (m.snapshot) this.lines.push(`snapshot ${snapshot(m.snapshot.meta)}`);
    for (const e of m.log) this.lines.push(entry(e));
    if (this.lines.length === 0) this.lines.push('empty');
  }
}

/** Lines with repeats shown once, at the first one's place, with how many there were. */
function collapse(lines: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n === 1 ? line : `${line} ×${n}`));
}

function conf(voters: readonly string[], learners: readonly string[]): string {
  return `voters=(${voters.join(' ')})${learners.length > 0 ? ` learners=(${learners.join(' ')})` : ''}`;
}

function snapshot(meta: { index: number; term: number; conf: { voters: readonly string[]; learners: readonly string[] } }): string {
  return `${meta.term}/${meta.index} ${conf(meta.conf.voters, meta.conf.learners)}`;
}

/** `term/index`, then what the entry carries. */
function entry(e: Entry): string {
  if (e.type === 'noop') return `${e.term}/${e.index} noop`;
  if (e.type === 'conf-change') return `${e.term}/${e.index} ${confChange(decodeConfChange(e.data))}`;
  return `${e.term}/${e.index} "${new TextDecoder().decode(e.data)}"`;
}

function confChange(cc: ConfChange): string {
  return `${cc.type} ${cc.node}`;
}

/** One message, its fields that mean something for its type and are set. */
function message(m: Message): string {
  const parts = [`${m.from}->${m.to} ${m.type} term=${m.term}`];
  if (m.type === 'vote' || m.type === 'pre-vote' || m.type === 'app') parts.push(`log=${m.logTerm}/${m.index}`);
  else if (m.index !== 0) parts.push(`index=${m.index}`);
  if (m.commit !== 0) parts.push(`commit=${m.commit}`);
  if (m.reject) parts.push(`rejected hint=${m.rejectHint}`);
  if (m.transfer) parts.push('transfer');
  if (m.repair !== undefined) parts.push(`repair=${m.repair}`);
  if (m.context) parts.push(context(m.context));
  if (m.snapshot) parts.push(`snapshot=${snapshot(m.snapshot.meta)}`);
  if (m.entries.length > 0) parts.push(`entries=[${m.entries.map(entry).join(', ')}]`);
  return parts.join(' ');
}

/** A host's read context as text; a leader's heartbeat round (read-only.ts, 16 bytes) as `round=term:n`. */
function context(c: Uint8Array): string {
  if (c.length > 0 && c.every((b) => b >= 0x20 && b < 0x7f)) return `ctx="${new TextDecoder().decode(c)}"`;
  if (c.length === 16) {
    const view = new DataView(c.buffer, c.byteOffset, 16);
    return `round=${view.getFloat64(0)}:${view.getFloat64(8)}`;
  }
  return `ctx=0x${Array.from(c, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function value(v: unknown): string {
  if (Array.isArray(v)) return `(${v.map(value).join(' ')})`;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? 'undefined';
}
