/** Types of build-if-stale.mjs for the TypeScript that imports it (bench/run.ts). */
export declare const BUILD_INPUTS: readonly string[];
export declare const BUILD_STAMP: string;
/** Why the build in `root` must run, or undefined when it is current. */
export declare function staleness(root: string): string | undefined;
