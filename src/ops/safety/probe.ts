/** Small probes the safety gate needs beyond `fleet status`: whether anything listens at an address. */
import { connect } from 'node:net';

/** Whether a TCP connection to `address` (host:port) is accepted within `timeoutMs`; an address that does not parse answers false. */
export function addressAnswers(address: string, timeoutMs = 1_000): Promise<boolean> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65_535) return Promise.resolve(false);
  const target = { host, port };
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (answers: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
