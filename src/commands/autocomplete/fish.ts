import { Command } from '@oclif/core';
import { fishCompletionScript, type CompletableCommand } from '../../ui/fish-completion.js';

/** The fish script; bash, zsh and PowerShell come from oclif's `autocomplete` (its own plugin). */
export default class AutocompleteFish extends Command {
  static override summary = 'Print the fish completion script (bash and zsh: fleet autocomplete bash|zsh).';
  static override description = `Completes commands word by word, each command's flags, and --context with the names of the saved contexts (read from \`<%= config.bin %> context list --json\` when you press Tab). Install it where fish looks for completions.`;
  static override examples = ['<%= config.bin %> autocomplete fish > ~/.config/fish/completions/<%= config.bin %>.fish'];

  async run(): Promise<void> {
    await this.parse(AutocompleteFish);
    const commands: CompletableCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id,
        summary: c.summary ?? c.description,
        flags: Object.values(c.flags)
          .filter((f) => !f.hidden)
          .map((f) => ({ name: f.name, char: f.char, summary: f.summary ?? f.description, takesValue: f.type === 'option', options: f.type === 'option' ? f.options : undefined })),
      }));
    const topics = this.config.topics.map((t) => ({ name: t.name, summary: t.description }));
    this.log(fishCompletionScript(this.config.bin, commands, topics).trimEnd());
  }
}
