/**
 * The gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html), without
 * loading grpc-js: the error mapping is shared with the one-shot status probe (src/client/probe),
 * which talks HTTP/2 directly. test/client/grpc-status.test.ts checks them against grpc-js.
 */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** The name of a status code (`UNAVAILABLE`), or the number when it is not one. */
export function statusName(code: number): string {
  return Object.entries(GRPC_STATUS).find(([, c]) => c === code)?.[0] ?? String(code);
}
