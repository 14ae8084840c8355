/**
 * A request body as grpc-gateway reads a streaming call's: a sequence of JSON values, one
 * message each, separated by nothing or by whitespace (`{"create_request":…}{"cancel_request":…}`).
 * Values are cut out as their bytes arrive, without buffering more than one value: a value over
 * `maxValueBytes` is an error, not memory.
 */
/** etcd's words for a request over its limit. */
export const TOO_LARGE = 'etcdserver: request is too large';

export class JsonValues {
  private pending = '';
  /** Where the scan of `pending` resumes, and its state there. */
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxValueBytes: number) {}

  /** The values `chunk` completes; throws on a value too large or not an object. */
  push(chunk: string): string[] {
    this.pending += chunk;
    const values: string[] = [];
    let start = 0;
    for (let i = this.scanned; i < this.pending.length; i++) {
      const c = this.pending[i]!;
      if (this.depth === 0) {
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
          start = i + 1;
          continue;
        }
        if (c !== '{' && c !== '[') throw new SyntaxError(`invalid character '${c}' looking for beginning of value`);
        start = i;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          values.push(this.pending.slice(start, i + 1));
          start = i + 1;
        }
      }
    }
    this.pending = this.pending.slice(start);
    this.scanned = this.pending.length;
    if (Buffer.byteLength(this.pending) > this.maxValueBytes) throw new RangeError(TOO_LARGE);
    return values;
  }

  /** Throws if the body ended inside a value (Go's "unexpected EOF"). */
  end(): void {
    if (this.pending.trim() !== '') throw new SyntaxError('unexpected EOF');
  }
}
