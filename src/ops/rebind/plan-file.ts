/**
 * Plan files: YAML or JSON by extension, validated against the JSON Schema shipped in
 * `schemas/rebind-plan.schema.json` (ajv), then for what a schema cannot say (a cluster moved
 * twice, a move with from == to). Every error names the field, the move and, for YAML, the
 * line. Writing keeps one move per line, so a 100,000-move plan diffs and greps well and
 * serialises in well under a second.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { open, readFile, rename } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { CliError, EXIT } from '../../common/errors.js';
import { readWriterLayout, type WriterLayout } from './plan-yaml.js';
import type { PlanMove, RebindPlan } from './types.js';

/** A plan file's format. */
export type PlanFormat = 'yaml' | 'json';

/** The schema, as shipped (`schemas/` sits three levels above both src/ops/rebind and dist/ops/rebind). */
export const PLAN_SCHEMA_URL = new URL('../../../schemas/rebind-plan.schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // Compiled once per process: a command validates at most a couple of files.
  compiled ??= new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(PLAN_SCHEMA_URL, 'utf8')) as object);
  return compiled;
}

/** The format a path implies: .json is JSON, anything else (.yaml, .yml, -) YAML. */
export function formatOf(path: string): PlanFormat {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
}

/** Where apply leaves the rollback of PLAN: `drain.yaml` → `drain.rollback.yaml`. */
export function rollbackPathOf(planPath: string): string {
  const ext = extname(planPath);
  return join(dirname(planPath), `${basename(planPath, ext)}.rollback${ext}`);
}

/** A plan file that does not hold a valid plan (exit 4: the plan cannot be used as it is). */
export function invalidPlan(file: string, message: string, details?: Record<string, unknown>): CliError {
  return new CliError(`${file}: ${message}`, { exitCode: EXIT.precondition, code: 'INVALID_PLAN', hint: 'fix the file, or make a new one with fleet rebind plan generate', ...(details ? { details } : {}) });
}

/** Reads and validates a plan file (`-`: standard input). */
export async function readPlanFile(path: string): Promise<RebindPlan> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the plan ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { exitCode: EXIT.usage, cause: err });
  }
  return parsePlan(text, formatOf(path), path === '-' ? '<stdin>' : path);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parses plan text and validates it: the schema first, then duplicates and no-op moves.
 * `yamlReader: 'full'` always builds the yaml library's tree (tests compare the two readers).
 */
export function parsePlan(text: string, format: PlanFormat, file: string, yamlReader: 'auto' | 'full' = 'auto'): RebindPlan {
  const { data, lineOf } = format === 'json' ? parseJson(text, file) : yamlReader === 'full' ? parseYamlFully(text, file) : parseYaml(text, file);
  const validate = validator();
  if (!validate(data)) throw invalidPlan(file, describeSchemaErrors(validate.errors ?? [], data, lineOf), { errors: (validate.errors ?? []).length });
  const plan = data as RebindPlan;
  checkMoves(plan, file, lineOf);
  return plan;
}

type LineOf = (path: readonly (string | number)[]) => number | undefined;

function parseJson(text: string, file: string): { data: unknown; lineOf: LineOf } {
  try {
    return { data: JSON.parse(text) as unknown, lineOf: () => undefined };
  } catch (err) {
    throw invalidPlan(file, `not valid JSON: ${(err as Error).message}`);
  }
}

/**
 * Above this size a YAML plan must be in fleet's own layout (plan-yaml.ts): the yaml library's
 * tree of a 2 MB plan (about 40,000 moves) already takes some 250 MB.
 */
export const FULL_YAML_PARSE_LIMIT = 2 * 1024 * 1024;

function parseYaml(text: string, file: string): { data: unknown; lineOf: LineOf } {
  const layout = readWriterLayout(text);
  if ('moves' in layout) return fromWriterLayout(layout, file);
  if (text.length <= FULL_YAML_PARSE_LIMIT) return parseYamlFully(text, file);
  const mb = (FULL_YAML_PARSE_LIMIT / 1024 / 1024).toFixed(0);
  throw invalidPlan(file, `a YAML plan over ${mb} MB must be laid out as fleet writes it, and ${layout.reason}; rewrite it with fleet rebind plan generate, or convert it to JSON (.json)`);
}

/** The header through the yaml library, the moves as read; line numbers as the yaml library would give. */
function fromWriterLayout(layout: WriterLayout, file: string): { data: unknown; lineOf: LineOf } {
  const { header, lines, moves, firstMoveLine } = layout;
  const lineOf: LineOf = (path) => {
    if (path[0] === 'moves') return typeof path[1] === 'number' ? firstMoveLine + path[1] : path.length === 1 ? firstMoveLine : undefined;
    return lineInDocument(header, lines, path);
  };
  const data = toJs(header, file) as Record<string, unknown>;
  data.moves = moves;
  return { data, lineOf };
}

function parseYamlFully(text: string, file: string): { data: unknown; lineOf: LineOf } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw invalidPlan(file, `not valid YAML at line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`);
  }
  return { data: toJs(doc, file), lineOf: (path) => lineInDocument(doc, lines, path) };
}

function lineInDocument(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return node?.range === undefined ? undefined : lines.linePos(node.range[0]).line;
}

function toJs(doc: Document, file: string): unknown {
  try {
    // yaml refuses a document whose aliases expand beyond reason (a "billion laughs" bomb) here.
    return doc.toJS() as unknown;
  } catch (err) {
    throw invalidPlan(file, `refused: ${(err as Error).message}`);
  }
}

/** `/moves/3/to` → ['moves', 3, 'to']. */
function segments(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath.slice(1).split('/').map((s) => {
    const k = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(k) ? Number(k) : k;
  });
}

/** `moves[3].to`, plus the cluster's name when the path is inside a move. */
function where(path: readonly (string | number)[], data: unknown): string {
  let text = '';
  for (const s of path) text += typeof s === 'number' ? `[${s}]` : text === '' ? s : `.${s}`;
  if (path[0] === 'moves' && typeof path[1] === 'number') {
    const move = (data as { moves?: unknown[] }).moves?.[path[1]] as { cluster?: unknown } | undefined;
    if (typeof move?.cluster === 'string') {
      const head = `moves[${path[1]}]`;
      return `${head} (cluster ${JSON.stringify(move.cluster)})${text.slice(head.length)}`;
    }
  }
  return text === '' ? 'the plan' : text;
}

function sayError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field ${JSON.stringify(p.additionalProperty)}`;
    case 'required':
      return `missing field ${JSON.stringify(p.missingProperty)}`;
    case 'pattern':
      return `must be a name (1-253 letters, digits or -._:/@, starting with a letter or digit)`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** One line naming up to three problems (the strategy's oneOf collapses into one). */
function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown, lineOf: LineOf): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const e of errors) {
    const path = segments(e.instancePath);
    const strategy = path[0] === 'strategy';
    const text = strategy
      ? 'strategy: must be a drain, rebalance, rollback or manual strategy with only its own fields'
      : `${where(path, data)}: ${sayError(e)}${'got' in e.params ? '' : gotOf(e, data, path)}`;
    if (seen.has(text)) continue;
    seen.add(text);
    const line = lineOf(strategy ? ['strategy'] : path);
    parts.push(line === undefined ? text : `line ${line}: ${text}`);
  }
  const more = parts.length > 3 ? ` (and ${parts.length - 3} more)` : '';
  return `${parts.slice(0, 3).join('; ')}${more}`;
}

function gotOf(e: ErrorObject, data: unknown, path: readonly (string | number)[]): string {
  if (e.keyword !== 'pattern' && e.keyword !== 'type' && e.keyword !== 'const') return '';
  let v: unknown = data;
  for (const s of path) v = (v as Record<string | number, unknown> | undefined)?.[s];
  const text = JSON.stringify(v) ?? String(v);
  return `, got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

/** What the schema cannot say: each cluster at most once, and every move goes somewhere. */
function checkMoves(plan: RebindPlan, file: string, lineOf: LineOf): void {
  const first = new Map<string, number>();
  plan.moves.forEach((m, i) => {
    const at = (text: string): never => {
      const line = lineOf(['moves', i]);
      throw invalidPlan(file, `${line === undefined ? '' : `line ${line}: `}moves[${i}] (cluster ${JSON.stringify(m.cluster)}): ${text}`, { moveIndex: i, cluster: m.cluster });
    };
    if (m.from === m.to) at(`from and to are both ${JSON.stringify(m.to)}; nothing to move`);
    const earlier = first.get(m.cluster);
    if (earlier !== undefined) at(`moves the cluster a second time (first at moves[${earlier}])`);
    first.set(m.cluster, i);
  });
}

/** The text of a plan: moves one per line, in flow style (YAML) or one object per line (JSON). */
export function formatPlan(plan: RebindPlan, format: PlanFormat): string {
  return [...planText(plan, format)].join('');
}

/** Moves per piece of planText: whole lines, flat strings, a few hundred KB each. */
const MOVES_PER_PIECE = 5_000;

/**
 * formatPlan's text in pieces, so that a 1,000,000-move plan is written without its whole text
 * (and every line's concatenation) in memory at once.
 */
function* planText(plan: RebindPlan, format: PlanFormat): Generator<string> {
  const { moves, ...head } = plan;
  const q = JSON.stringify;
  const line = format === 'json' ? (m: PlanMove) => `    {"cluster": ${q(m.cluster)}, "from": ${q(m.from)}, "to": ${q(m.to)}}` : (m: PlanMove) => `  - {cluster: ${q(m.cluster)}, from: ${q(m.from)}, to: ${q(m.to)}}`;
  const separator = format === 'json' ? ',\n' : '\n';
  if (format === 'json') {
    yield `${JSON.stringify(head, null, 2).replace(/\n}$/, '')},\n  "moves": [`;
  } else {
    // Quoted scalars: a cluster named `123`, `null` or `yes` must stay a string. No anchors: a plan is read by people.
    yield `# fleet rebind plan: check with \`fleet rebind plan check FILE\`, apply with \`fleet rebind plan apply FILE\`.\n${stringify(head, { lineWidth: 0, aliasDuplicateObjects: false })}moves:${moves.length === 0 ? ' []' : ''}`;
  }
  for (let start = 0; start < moves.length; start += MOVES_PER_PIECE) {
    yield (start === 0 ? '\n' : separator) + moves.slice(start, start + MOVES_PER_PIECE).map(line).join(separator);
  }
  if (format === 'json') yield moves.length === 0 ? ']\n}\n' : '\n  ]\n}\n';
  else yield '\n';
}

/** Writes a plan atomically (temp file, then rename), in the format its path implies, a piece at a time; `-` is stdout. */
export async function writePlanFile(path: string, plan: RebindPlan): Promise<void> {
  const pieces = planText(plan, formatOf(path));
  if (path === '-') {
    for (const piece of pieces) if (!process.stdout.write(piece)) await once(process.stdout, 'drain');
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  const file = await open(tmp, 'w');
  try {
    for (const piece of pieces) await file.write(piece, null, 'utf8');
  } finally {
    await file.close();
  }
  await rename(tmp, path);
}

/** `user@host`, made a registry name (progress reports carry it as `startedBy`). */
export function operatorName(): string {
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch {
    // No passwd entry (some containers): keep 'unknown'.
  }
  return toName(`${user}@${hostname()}`);
}

/** Any text as a registry name: invalid characters become '-', at most 253 characters. */
export function toName(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._:/@-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (cleaned || 'x').slice(0, 253);
}
