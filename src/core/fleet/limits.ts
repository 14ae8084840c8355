/** The registry's limits, kept in src/common so every backend refuses the same input (see registry-limits.ts there). */
export { FULL_REGISTRY, LIMITS } from '../../common/registry/registry-limits.js';
