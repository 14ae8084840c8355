/** The command checks, kept in src/common so every backend applies them (see registry-parse.ts there). */
export { COMMAND_TYPES, parseCommand, parseEnvelope, parseHeader, type EnvelopeHeader } from '../../common/registry/registry-parse.js';
