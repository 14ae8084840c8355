/**
 * A fish completion script for the CLI, made from oclif's command list: oclif's own
 * autocomplete plugin writes bash, zsh and PowerShell scripts only. Commands are words separated
 * by spaces (`fleet members list`), so each word completes once the words before it are typed;
 * each command's flags complete after its words; `--context` completes the names of the saved
 * contexts, asked of `fleet context list --json` when the user presses Tab.
 */

/** What the script needs to know of one command. */
export interface CompletableCommand {
  /** oclif's id: words joined by ':'. */
  readonly id: string;
  readonly summary?: string | undefined;
  readonly flags: readonly CompletableFlag[];
}

export interface CompletableFlag {
  readonly name: string;
  readonly char?: string | undefined;
  readonly summary?: string | undefined;
  /** Takes a value (an option: a file unless it names its values), or not (a boolean). */
  readonly takesValue: boolean;
  /** The values it accepts, when it names them. */
  readonly options?: readonly string[] | undefined;
}

/** A topic (a command word with commands under it) and what it is for. */
export interface CompletableTopic {
  readonly name: string;
  readonly summary?: string | undefined;
}

/** The whole script; `bin` is the command users type. */
export function fishCompletionScript(bin: string, commands: readonly CompletableCommand[], topics: readonly CompletableTopic[]): string {
  const fn = `__${bin.replace(/[^A-Za-z0-9]/g, '_')}`;
  const lines = [
    `# ${bin} completions for fish. Install: ${bin} autocomplete fish > ~/.config/fish/completions/${bin}.fish`,
    `complete -c ${bin} -f`,
    '',
    `# The words typed after ${bin}, flags and their values left out.`,
    `function ${fn}_words`,
    '    set -l tokens (commandline -opc)',
    '    set -e tokens[1]',
    '    set -l skip 0',
    '    for t in $tokens',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    // A flag that takes a value, written without `=`, is followed by its value: not a word.
    `        if string match -qr -- '^--(${valueFlags(commands)})$' $t`,
    '            set skip 1',
    '            continue',
    '        end',
    "        string match -q -- '-*' $t; and continue",
    '        echo $t',
    '    end',
    'end',
    '',
    `# True when exactly the given words were typed (the next word or a flag is being completed).`,
    `function ${fn}_at`,
    `    set -l words (${fn}_words)`,
    '    test (count $words) -eq (count $argv); or return 1',
    '    for i in (seq (count $argv))',
    '        test "$words[$i]" = "$argv[$i]"; or return 1',
    '    end',
    'end',
    '',
    `# True when the given words start what was typed (a command's flags, after its arguments too).`,
    `function ${fn}_in`,
    `    set -l words (${fn}_words)`,
    '    test (count $words) -ge (count $argv); or return 1',
    '    for i in (seq (count $argv))',
    '        test "$words[$i]" = "$argv[$i]"; or return 1',
    '    end',
    'end',
    '',
    `function ${fn}_contexts`,
    `    command ${bin} context list --json 2>/dev/null | string match -rg '"name"\\s*:\\s*"([^"]+)"'`,
    'end',
    '',
  ];
  lines.push(...wordCompletions(bin, fn, commands, topics), '');
  for (const c of [...commands].sort((a, b) => a.id.localeCompare(b.id))) lines.push(...flagCompletions(bin, fn, c));
  return `${lines.join('\n')}\n`;
}

/** The long names of the flags that take a value, as a regex alternation. */
function valueFlags(commands: readonly CompletableCommand[]): string {
  const names = new Set(commands.flatMap((c) => c.flags.filter((f) => f.takesValue).map((f) => f.name)));
  return [...names].sort().map((n) => n.replace(/[^A-Za-z0-9-]/g, '')).join('|') || 'none';
}

/** For every prefix of command words, the words that may follow it. */
function wordCompletions(bin: string, fn: string, commands: readonly CompletableCommand[], topics: readonly CompletableTopic[]): string[] {
  const summaries = new Map<string, string | undefined>(topics.map((t) => [t.name, t.summary]));
  for (const c of commands) summaries.set(c.id, c.summary ?? summaries.get(c.id));
  const next = new Map<string, Set<string>>();
  for (const c of commands) {
    const words = c.id.split(':');
    for (let i = 0; i < words.length; i++) {
      const prefix = words.slice(0, i).join(' ');
      if (!next.has(prefix)) next.set(prefix, new Set());
      next.get(prefix)!.add(words.slice(0, i + 1).join(':'));
    }
  }
  const out: string[] = [];
  for (const [prefix, ids] of [...next].sort(([a], [b]) => a.localeCompare(b))) {
    for (const id of [...ids].sort()) {
      const word = id.split(':').at(-1)!;
      out.push(`complete -c ${bin} -n '${fn}_at${prefix === '' ? '' : ` ${prefix}`}' -a ${quote(word)}${describe(summaries.get(id))}`);
    }
  }
  return out;
}

function flagCompletions(bin: string, fn: string, c: CompletableCommand): string[] {
  const words = c.id.split(':').join(' ');
  return [...c.flags]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => {
      const short = f.char === undefined ? '' : ` -s ${f.char}`;
      const value = !f.takesValue ? '' : f.name === 'context' ? ` -x -a '(${fn}_contexts)'` : f.options !== undefined ? ` -x -a ${quote(f.options.join(' '))}` : ' -r';
      return `complete -c ${bin} -n '${fn}_in ${words}' -l ${f.name}${short}${value}${describe(f.summary)}`;
    });
}

function describe(summary: string | undefined): string {
  if (summary === undefined || summary === '') return '';
  const first = summary.split('\n')[0]!.replace(/\s+/g, ' ').trim();
  return ` -d ${quote(first.length > 80 ? `${first.slice(0, 77)}...` : first)}`;
}

/** A fish single-quoted string. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
