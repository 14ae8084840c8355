// A module loader hook: appends the URL of every module loaded through the ES module loader to
// the file FLEET_LOAD_LOG names (CommonJS packages required from inside are read from require.cache instead).
import { appendFileSync } from 'node:fs';

export async function load(url, context, next) {
  appendFileSync(process.env.FLEET_LOAD_LOG, `${url}\n`);
  return next(url, context);
}
