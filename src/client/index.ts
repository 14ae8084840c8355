/** The gRPC client of a coordinator cluster: FleetClient, its error type and its plain types. */
export { FleetClient, DEFAULT_CHANNEL_OPTIONS, channelCredentials, type ConditionalChange, type FleetClientOptions, type TlsFiles } from './fleet-client.js';
export { memberChannelOptions } from './transport/channel.js';
export { FleetClientError, exitCodeOf, type FleetClientErrorKind, type FleetClientErrorInit } from './errors.js';
export type { EndpointStatus, Route } from './transport/router.js';
export type { BreakerOptions, BreakerState } from '../common/breaker.js';
export type { DownloadOptions } from './snapshot-download.js';
export type * from './types.js';
export { WATCH_REGISTRIES, type WatchOptions } from './watch.js';
