/** The readers of untrusted command fields, kept in src/common so every backend applies them (see registry-validate.ts there). */
export * from '../../common/registry/registry-validate.js';
