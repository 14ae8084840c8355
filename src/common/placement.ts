/**
 * Zones and regions as an operator writes them: short labels, as cloud providers name their
 * failure domains (`eu-west-1a`, `us-east-1`). One rule for `fleet node start --zone` and
 * `fleet init --zones`, so a name one accepts the other does too.
 */

/** A zone or region label: letters, digits, `.`, `_`, `-`, at most 63, starting with a letter or digit. */
export const PLACEMENT_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Why `value` is not a zone or region label (naming `flag`), or undefined when it is one. */
export function placementLabelProblem(value: string, flag: string): string | undefined {
  if (PLACEMENT_LABEL.test(value)) return undefined;
  return `${flag} must be a label of letters, digits, '.', '_' or '-' (at most 63), got '${value}'`;
}
