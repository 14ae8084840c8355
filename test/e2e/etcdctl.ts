/** Runs the installed etcdctl (API 3) once, with its output merged; killed after `timeoutMs` (20 s). */
import { spawn } from 'node:child_process';

export function runEtcdctl(etcdctl: string, args: readonly string[], timeoutMs = 20_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(etcdctl, args, { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => (clearTimeout(timer), reject(err)));
    // 'close', not 'exit': at 'exit' its output may still be in the pipes (etcdctl has no children to hold them).
    child.on('close', (code) => (clearTimeout(timer), resolve({ code: code ?? 1, out })));
  });
}
