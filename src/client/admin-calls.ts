/**
 * fleet.v1.Admin's operations as typed calls: `client.admin.call('ListMembers', {})` answers the
 * RPC's generated response type, and `client.admin.stream('WatchMembers', {})` yields each message
 * of a server stream. Each goes where its row of ADMIN_OPERATIONS (src/proto/admin-operations.ts)
 * says (the leader, or any member) unless the caller names a member, with the router's retries,
 * so an operation added to the table needs no hand-written client method.
 */
import type { ClientReadableStream } from '@grpc/grpc-js';
import { ADMIN_OPERATIONS, type AdminAnswer, type AdminRequest, type StreamingAdminOp, type UnaryAdminOp } from '../proto/admin-operations.js';
import type { Endpoint } from './transport/endpoint.js';
import { FleetClientError } from './errors.js';
import { toClientError } from './grpc-errors.js';
import type { Route, Router } from './transport/router.js';

export { ADMIN_OPERATIONS, type AdminAnswer, type AdminMethods, type AdminOp, type AdminOperation, type AdminOperations, type AuditDeclaration, type AdminRequest, type AdminRequestIn, type AdminAnswerOut, type StreamingAdminOp, type UnaryAdminOp } from '../proto/admin-operations.js';

/** Where one admin call goes. */
export interface AdminCallOptions {
  /** This member (`host:port`) instead of where the operation's row sends it. */
  readonly endpoint?: string;
}

/** Options of an admin stream. */
export interface AdminStreamOptions extends AdminCallOptions {
  /** Ends the stream (the generator returns). */
  readonly signal?: AbortSignal;
  /**
   * Opens the stream again, at a member the route picks, when it breaks with a retryable failure
   * (a member that went away): for streams that begin with the whole state, such as WatchMembers.
   * Gives up, throwing, when no member opens one within the client's overall deadline.
   */
  readonly reopen?: boolean;
}

/** A unary stub method as the loader makes it, called by name. */
type StartUnary = (req: unknown, md: unknown, opts: unknown, cb: (err: Error | null, res?: unknown) => void) => ReturnType<Endpoint['admin']['ListMembers']>;
/** A server-streaming stub method, called by name. */
type StartStream = (req: unknown, md: unknown) => ClientReadableStream<unknown>;

/**
 * The Admin stub's method `name`, bound to it (makeClientConstructor puts one per RPC of the
 * service on the stub). Only that it is a function can be checked; its arguments are those
 * grpc-js gives every method of its kind, which the table's `answer` says.
 */
function stubMethod<F extends StartUnary | StartStream>(ep: Endpoint, name: string): F {
  const method: unknown = Reflect.get(ep.admin, name);
  if (!isMethod<F>(method)) throw new FleetClientError('internal', `this client's fleet.v1.Admin has no method ${name}: is it older than the table?`);
  return method.bind(ep.admin) as F;
}

function isMethod<F extends StartUnary | StartStream>(f: unknown): f is F {
  return typeof f === 'function';
}

/** fleet.v1.Admin's operations as typed calls, each routed as its row of ADMIN_OPERATIONS says. */
export interface AdminCalls {
  /** Calls the unary operation `name` where its row sends it (or at `opts.endpoint`); answers its response. */
  call<M extends UnaryAdminOp>(name: M, request: AdminRequest<M>, opts?: AdminCallOptions): Promise<AdminAnswer<M>>;
  /** Follows the server stream `name`, yielding each message, until it ends, fails or `opts.signal` aborts. */
  stream<M extends StreamingAdminOp>(name: M, request: AdminRequest<M>, opts?: AdminStreamOptions): AsyncGenerator<AdminAnswer<M>>;
}

/** The Admin calls of a client over `router`, ended with `closeSignal`. Invariant: a stream's call is cancelled once its generator ends, however it ends. */
export function adminCalls(router: Router, closeSignal: AbortSignal): AdminCalls {
  return {
    call<M extends UnaryAdminOp>(name: M, request: AdminRequest<M>, opts: AdminCallOptions = {}): Promise<AdminAnswer<M>> {
      return router.run(routeOf(name, opts), (ep, timeout) =>
        ep.unary<AdminAnswer<M>>((md, o, cb) => stubMethod<StartUnary>(ep, name)(request, md, o, cb as (err: Error | null, res?: unknown) => void), timeout),
      );
    },
    stream: (name, request, opts = {}) => follow(router, closeSignal, name, request, opts),
  };
}

/** `AdminCalls.stream`. */
async function* follow<M extends StreamingAdminOp>(router: Router, closeSignal: AbortSignal, name: M, request: AdminRequest<M>, opts: AdminStreamOptions): AsyncGenerator<AdminAnswer<M>> {
  const signal = opts.signal === undefined ? closeSignal : AbortSignal.any([opts.signal, closeSignal]);
  for (;;) {
    if (signal.aborted) return;
    const opened = await router
      .run(routeOf(name, opts), (ep, timeout) => openStream(ep, stubMethod<StartStream>(ep, name), request, timeout, signal))
      .catch((err: unknown) => {
        if (signal.aborted) return undefined;
        throw err;
      });
    if (opened === undefined) return;
    try {
      for (let next = opened.first; !next.done; next = await opened.rest.next()) yield next.value as AdminAnswer<M>;
      return;
    } catch (err) {
      if (signal.aborted) return;
      const failure = toClientError(err, opened.endpoint);
      if (!opts.reopen || !failure.retryable) throw failure;
    } finally {
      opened.call.cancel();
    }
  }
}

/** Where operation `name` goes. */
function routeOf(name: UnaryAdminOp | StreamingAdminOp, opts: AdminCallOptions): Route {
  return opts.endpoint === undefined ? ADMIN_OPERATIONS[name].route : { endpoint: opts.endpoint };
}

/** A stream open at one member: its first message (or end), and the rest. */
interface OpenStream {
  readonly endpoint: string;
  readonly call: ClientReadableStream<unknown>;
  readonly first: IteratorResult<unknown>;
  readonly rest: AsyncIterator<unknown>;
}

/** Opens the stream at `ep`: open once its first message (or its end) came within `timeoutMs`; one attempt (the router retries). */
async function openStream(ep: Endpoint, start: StartStream, request: unknown, timeoutMs: number, signal: AbortSignal): Promise<OpenStream> {
  // Not retryable: the router stops trying once the caller has stopped listening.
  if (signal.aborted) throw new FleetClientError('internal', `${ep.address}: the stream was ended by its caller`, { code: 'ABORTED', endpoint: ep.address });
  const call = start(request, ep.metadata());
  const rest = call[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const cancel = (): void => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  call.once('close', () => signal.removeEventListener('abort', cancel));
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FleetClientError('timeout', `${ep.address}: the stream sent nothing within ${timeoutMs} ms`, { endpoint: ep.address })), timeoutMs);
  });
  try {
    return { endpoint: ep.address, call, first: await Promise.race([rest.next(), silent]), rest };
  } catch (err) {
    call.cancel();
    throw toClientError(err, ep.address);
  } finally {
    clearTimeout(timer);
  }
}
