/** Bearer tokens of a local cluster: random, and readable by their owner only. */
import { randomBytes } from 'node:crypto';
import { chmod, open } from 'node:fs/promises';

/** A fresh token: 256 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes a secret to a new file of mode 0600; refuses to overwrite one (a lost token would lock the operator out). */
export async function writeSecretFile(file: string, secret: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.writeFile(`${secret}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  // open()'s mode is masked by the umask; a token must never be group- or world-readable.
  await chmod(file, 0o600);
}
