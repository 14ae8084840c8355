/** Where the storage reports what it repaired or refused; the host decides where lines go. */
export interface StorageLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default, so that library code never writes to stdout on its own. */
export const silentLogger: StorageLogger = Object.freeze({
  info: () => {},
  warn: () => {},
  error: () => {},
});
