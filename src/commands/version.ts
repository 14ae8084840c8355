import { Command } from '@oclif/core';
import { createRequire } from 'node:module';

/** Versions an operator pastes into a bug report: the CLI, the wire protocol and the runtime. */
export interface VersionInfo {
  fleet: string;
  protocol: string;
  node: string;
  platform: string;
}

export default class Version extends Command {
  static override description = 'Print the versions of fleet, its wire protocol and the Node.js runtime.';
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json'];
  static override enableJsonFlag = true;

  async run(): Promise<VersionInfo> {
    await this.parse(Version);
    const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
    const info: VersionInfo = {
      fleet: pkg.version,
      protocol: 'fleet.v1',
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    };
    this.log(`fleet ${info.fleet} (protocol ${info.protocol}, node ${info.node}, ${info.platform})`);
    return info;
  }
}
