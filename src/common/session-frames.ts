/**
 * The most operations one Session frame may carry. Members refuse a larger frame
 * (RESOURCE_EXHAUSTED, ending the stream: see src/core/server/guard/bounds.ts), and clients split
 * what they send into frames of at most this many, so both sides read it from here.
 */
export const SESSION_FRAME_MAX_OPS = 1024;
