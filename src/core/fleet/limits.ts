/** The registry's limits, kept in src/common so every backend refuses the same input (see registry-limits.ts there). */
export { LIMITS } from '../../common/registry-limits.js';
