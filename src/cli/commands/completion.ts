import { Command, type Option } from 'commander';
import { UsageError } from '../errors.js';

/** Every command path (`""`, `"clusters"`, `"clusters list"`) with the words it completes. */
export function completionTable(root: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const globals = flags(root.options);
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.map((c) => c.name());
    const words = [...subcommands, ...flags(command.options), ...globals, '--help'];
    table.set(path, [...new Set(words)]);
    for (const child of command.commands)
      visit(child, path ? `${path} ${child.name()}` : child.name());
  };
  visit(root, '');
  return table;
}

function flags(options: readonly Option[]): string[] {
  return options.flatMap((o) => [o.long, o.short]).filter((f): f is string => Boolean(f));
}

/**
 * A bash completion script generated from the program tree, so it never drifts from the
 * commands. It walks the words typed so far to find the deepest known command path.
 */
export function bashCompletion(root: Command): string {
  const name = root.name();
  const fn = `_${name.replace(/\W/g, '_')}`;
  const table = completionTable(root);
  const cases = [...table]
    .map(([path, words]) => `    "${path}") echo "${words.join(' ')}" ;;`)
    .join('\n');
  const paths = `|${[...table.keys()].join('|')}|`;
  return `# ${name} bash completion; load with: source <(${name} completion bash)
${fn}_words() {
  case "$1" in
${cases}
  esac
}
${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next i
  for ((i = 1; i < COMP_CWORD; i++)); do
    next="\${path:+$path }\${COMP_WORDS[i]}"
    [[ "${paths}" == *"|$next|"* ]] && path="$next"
  done
  COMPREPLY=($(compgen -W "$(${fn}_words "$path")" -- "$cur"))
}
complete -F ${fn} ${name}
`;
}

/** zsh runs the bash script through bashcompinit rather than a second generator. */
export function zshCompletion(root: Command): string {
  return `#compdef ${root.name()}
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root)}`;
}

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script (bash or zsh)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell === 'bash') process.stdout.write(bashCompletion(root()));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(root()));
      else throw new UsageError(`unsupported shell "${shell}": use bash or zsh`);
    });
}
