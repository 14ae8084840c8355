/**
 * The safety gate at a command's door, and the confirmation of bulk deletes. A command computes
 * its preview (src/ops/safety/gate.ts), then `passGate` decides: `--dry-run` prints the preview
 * and changes nothing (exiting as the change would: 0, 4 or 3); a refusal prints the preview and
 * exits 4 (3 without a quorum) with the reason on one line; `--force` passes what can be forced,
 * with a warning naming it.
 *
 * Loaded by the commands that change membership, leadership or many records only.
 */
import { Flags } from '@oclif/core';
import type { ChangePreview, FaultScope, PreviewDocument } from '../ops/safety/gate.js';
import type { StatusModel } from '../ops/status.js';
import { CliError, EXIT, UsageError } from '../common/errors.js';

/** `--dry-run`: the preview, nothing changed. */
export const dryRunFlag = Flags.boolean({
  description: 'show what the change would do (voters, quorum and failures survivable before and after, the members involved) and change nothing',
  default: false,
});

/** `--force` of the gated commands that have no --force of their own. */
export function forceFlag(description = 'proceed although the safety gate refuses (its reason and the preview say what is at risk)') {
  return Flags.boolean({ description, default: false });
}

/** `--yes` of bulk deletes. */
export const yesFlag = Flags.boolean({ char: 'y', description: 'remove without asking (required when stdin is not a terminal)', default: false });

/** The parts of a command the gate prints with (oclif's Command has them). */
export interface GateHost {
  jsonEnabled(): boolean;
  log(message?: string): void;
  logToStderr(message?: string): void;
}

/**
 * Decides on `preview`: with `dryRun`, prints it (unless --json) and returns its document, which
 * the command returns for --json, with the exit code the change would meet (0, 4, or 3); refused,
 * prints it and throws (exit 4, or 3 without a quorum); else returns undefined and the command proceeds.
 */
export async function passGate(host: GateHost, preview: ChangePreview, opts: { readonly force: boolean; readonly dryRun: boolean }): Promise<PreviewDocument | undefined> {
  const { decide, documentOf } = await import('../ops/safety/gate.js');
  const decision = decide(preview, opts.force);
  const doc = documentOf(preview, decision, opts.dryRun);
  if (opts.dryRun || !decision.proceed) await show(host, doc);
  const exitCode = decision.proceed ? EXIT.ok : decision.unavailable ? EXIT.unavailable : EXIT.precondition;
  if (opts.dryRun) {
    // The preview is the answer; the exit code is the one the change itself would meet at the gate.
    if (exitCode !== EXIT.ok) process.exitCode = exitCode;
    return doc;
  }
  if (!decision.proceed) {
    throw new CliError(`refused: ${decision.reason}`, {
      exitCode,
      code: decision.unavailable ? 'UNAVAILABLE' : decision.forceable ? 'UNSAFE_CHANGE' : 'INVALID_CHANGE',
      hint: decision.unavailable ? 'fleet status' : decision.forceable ? 'pass --force to accept the risk' : undefined,
      details: { preview: doc },
    });
  }
  if (decision.overridden.length > 0) host.logToStderr(`warning: --force: ${decision.overridden.map((p) => p.message).join('; ')}`);
  return undefined;
}

async function show(host: GateHost, doc: PreviewDocument): Promise<void> {
  if (host.jsonEnabled()) return;
  const [{ renderPreview }, { stdoutPalette }] = await Promise.all([import('../ui/safety-preview.js'), import('../ui/colors.js')]);
  host.log(renderPreview(doc, stdoutPalette()));
}

/**
 * A bulk delete's confirmation: `--yes`, or a "y" on a terminal after the preview. Where no
 * terminal can confirm (stdin is not a TTY) and --yes was not given, it is a usage error
 * (exit 2) naming --yes, and the question says how many records it would remove.
 */
export async function confirmBulk(host: GateHost, preview: ChangePreview, question: string, opts: { readonly yes: boolean }): Promise<void> {
  if (opts.yes) return;
  if (process.stdin.isTTY !== true) {
    throw new UsageError(`${question} needs a confirmation, and stdin is not a terminal to ask on`, 'pass --yes to confirm, --dry-run to see what it would remove');
  }
  const { decide, documentOf } = await import('../ops/safety/gate.js');
  await show(host, documentOf(preview, decide(preview, false), false));
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing changed', { hint: 'pass --yes to remove without a prompt' });
  } finally {
    rl.close();
  }
}

/** The flags of a drill's gate. */
export const DRILL_GATE_FLAGS = {
  force: forceFlag('run the drill although the safety gate refuses (e.g. the fault would cost the quorum)'),
  'dry-run': Flags.boolean({ description: 'show whom the drill would fault and what the cluster could still lose meanwhile, and run nothing', default: false }),
};

/** A drill's gate: the fault of each target in turn, against the cluster now. */
export async function gateDrill(host: GateHost, model: StatusModel, drill: string, scope: FaultScope, flags: { readonly force: boolean; readonly 'dry-run': boolean }): Promise<PreviewDocument | undefined> {
  const { previewChange, faultTargets } = await import('../ops/safety/gate.js');
  return passGate(host, previewChange(model, { kind: 'fault', drill, targets: faultTargets(model, scope) }), { force: flags.force, dryRun: flags['dry-run'] });
}
