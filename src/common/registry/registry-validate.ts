/**
 * Readers for the fields of untrusted command data. Each one returns the typed value or throws
 * `InvalidArgument` with a message that names the field and says what it must be; the state
 * machine turns that into an INVALID_ARGUMENT answer.
 */
import { isIPv6 } from 'node:net';
import { LIMITS } from './registry-limits.js';

/** A field of a command is missing or malformed. Thrown only by these readers and caught by the state machine. */
export class InvalidArgument extends Error {
  override readonly name = 'InvalidArgument';
}

/** An untrusted JSON object. */
export type Raw = Readonly<Record<string, unknown>>;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/;
const HOST_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const PORT = /^[1-9][0-9]{0,4}$/;
// Control characters make terminal output lie; no field may carry them.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Shows a received value in an error message without flooding it. */
export function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads a JSON object (not an array, not null). */
export function asRecord(value: unknown, what: string): Raw {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgument(`${what} must be an object, got ${show(value)}`);
  }
  return value as Raw;
}

/** Refuses fields the command does not define, so a misspelt `forse` does not silently mean `force: false`. */
export function onlyFields(obj: Raw, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new InvalidArgument(`${what}: unknown field '${key}'`);
  }
}

/** Checks a name: 1–253 letters, digits and `-._:/@`, starting with a letter or digit. */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.maxNameLength || !NAME.test(value)) {
    throw new InvalidArgument(
      `${what} must be 1-${LIMITS.maxNameLength} letters, digits or '-._:/@' starting with a letter or digit, got ${show(value)}`,
    );
  }
  return value;
}

/** Reads a required name field. */
export function readName(obj: Raw, key: string, what: string): string {
  return checkName(obj[key], `${what}: '${key}'`);
}

/** Reads an optional name field. */
export function readOptionalName(obj: Raw, key: string, what: string): string | undefined {
  return obj[key] === undefined ? undefined : readName(obj, key, what);
}

/** Reads a name field that may be `null` (meaning "no shard"). */
export function readNullableName(obj: Raw, key: string, what: string): string | null {
  if (!(key in obj)) throw new InvalidArgument(`${what}: '${key}' is required (use null for "unbound")`);
  return obj[key] === null ? null : readName(obj, key, what);
}

/** Checks a `host:port` address (a hostname, an IPv4 address or a bracketed IPv6 address; port 1–65535). */
export function checkAddress(value: unknown, what: string): string {
  const fail = (): never => {
    throw new InvalidArgument(`${what} must be host:port (port 1-65535, IPv6 in brackets), got ${show(value)}`);
  };
  if (typeof value !== 'string' || value.length > LIMITS.maxNameLength) return fail();
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return fail();
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!PORT.test(port) || Number(port) > 65535) return fail();
  const hostOk = host.startsWith('[') ? host.endsWith(']') && isIPv6(host.slice(1, -1)) : HOSTNAME.test(host);
  return hostOk ? value : fail();
}

/** Reads a required integer in [min, max]. */
export function readInt(obj: Raw, key: string, what: string, min: number, max: number): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidArgument(`${what}: '${key}' must be an integer from ${min} to ${max}, got ${show(value)}`);
  }
  return value;
}

/** Reads an optional integer in [min, max]. */
export function readOptionalInt(obj: Raw, key: string, what: string, min: number, max: number): number | undefined {
  return obj[key] === undefined ? undefined : readInt(obj, key, what, min, max);
}

/** Reads an optional boolean, `false` when absent. */
export function readFlag(obj: Raw, key: string, what: string): boolean {
  const value = obj[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidArgument(`${what}: '${key}' must be true or false, got ${show(value)}`);
  return value;
}

/** Reads a field that must be one of a few strings. */
export function readEnum<T extends string>(obj: Raw, key: string, what: string, values: readonly T[]): T {
  const value = obj[key];
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw new InvalidArgument(`${what}: '${key}' must be one of ${values.join(', ')}, got ${show(value)}`);
  }
  return value as T;
}

/** Reads a string of at most `maxLength` UTF-16 units; `allowEmpty` decides about ''. Control characters are refused. */
export function readText(obj: Raw, key: string, what: string, maxLength: number, allowEmpty = false): string {
  const value = obj[key];
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > maxLength || CONTROL.test(value)) {
    const size = allowEmpty ? `at most ${maxLength}` : `1-${maxLength}`;
    throw new InvalidArgument(`${what}: '${key}' must be a string of ${size} characters without control characters, got ${show(value)}`);
  }
  return value;
}

/** Reads labels: name keys, short values, at most 64; returned with sorted keys (one shape on every replica). */
export function readLabels(obj: Raw, key: string, what: string): Record<string, string> {
  const raw = asRecord(obj[key], `${what}: '${key}'`);
  const keys = Object.keys(raw).sort();
  if (keys.length > LIMITS.maxLabels) throw new InvalidArgument(`${what}: at most ${LIMITS.maxLabels} labels, got ${keys.length}`);
  const labels: Record<string, string> = {};
  for (const k of keys) {
    checkName(k, `${what}: label key`);
    labels[k] = readText(raw, k, `${what}: label`, LIMITS.maxLabelValueLength, true);
  }
  return labels;
}

/** Reads an array of at most `max` items. */
export function readArray(obj: Raw, key: string, what: string, max: number): readonly unknown[] {
  const value = obj[key];
  if (!Array.isArray(value) || value.length === 0 || value.length > max) {
    throw new InvalidArgument(`${what}: '${key}' must be a list of 1-${max} items, got ${show(value)}`);
  }
  return value;
}
