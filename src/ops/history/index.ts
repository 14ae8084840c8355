/** Client histories: recording them and checking them for linearizability. */
export { HistoryError, EVENT_TYPES, OP_FUNCTIONS, COMPARE_FAILED, isCasValue } from './types.js';
export type { CompletionType, EventType, HistoryEvent, OpFunction } from './types.js';
export { HistoryRecorder, parseJsonLines, toJsonLines } from './recorder.js';
export type { HistoryClock } from './recorder.js';
export { checkLinearizable, DEFAULT_MAX_STATES_PER_KEY } from './linearizability.js';
export type { CheckOptions, LinearizabilityResult } from './linearizability.js';
export { canonicalValue } from './values.js';
