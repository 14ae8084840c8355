// Registers hooks.mjs, which logs every module the process loads (`node --import ./register-hooks.mjs …`).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
