/**
 * Shell completion (bash, zsh, fish) and the man page, both made from the same commander tree that
 * prints `--help`, so neither can drift from the commands. Pure: a Command in, text out.
 */
import type { Command, Option } from 'commander'

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = typeof SHELLS[number]

/** Commands whose first argument is a friend: completion offers friend names there. */
const FRIEND_FIRST = new Set(['send', 'history', 'remove', 'alias', 'block', 'export'])
/** Commands whose first argument is a pending request. */
const REQUEST_FIRST = new Set(['accept', 'decline'])

interface Node { path: string[], cmd: Command }

function walk (cmd: Command, path: string[] = []): Node[] {
  const out: Node[] = []
  for (const sub of cmd.commands) {
    if (sub.name() === 'help' || (sub as unknown as { _hidden?: boolean })._hidden === true) continue
    const p = [...path, sub.name()]
    out.push({ path: p, cmd: sub }, ...walk(sub, p))
  }
  return out
}

const longFlags = (options: readonly Option[]): string[] => options.map((o) => o.long).filter((l): l is string => typeof l === 'string')
const takesValue = (options: readonly Option[]): string[] => options.filter((o) => o.required || o.optional).map((o) => o.long).filter((l): l is string => typeof l === 'string')
const subNames = (cmd: Command): string[] => cmd.commands.filter((c) => c.name() !== 'help').map((c) => c.name())

export function completionScript (program: Command, shell: Shell): string {
  switch (shell) {
    case 'bash': return bashScript(program)
    case 'zsh': return '#compdef psst\n# psst completion for zsh (uses the bash one through bashcompinit)\nautoload -U +X bashcompinit && bashcompinit\n' + bashScript(program)
    case 'fish': return fishScript(program)
  }
}

function bashScript (program: Command): string {
  const globalFlags = longFlags(program.options)
  const valueFlags = [...new Set([...takesValue(program.options), ...walk(program).flatMap((n) => takesValue(n.cmd.options))])]
  const cases = walk(program).map(({ path, cmd }) => {
    const words = [...subNames(cmd), ...longFlags(cmd.options), '--help']
    const dynamic = path.length === 1 && FRIEND_FIRST.has(path[0]) ? ' $(_psst_names friends)' : path.length === 1 && REQUEST_FIRST.has(path[0]) ? ' $(_psst_names requests)' : ''
    return `    "${path.join(' ')}") words="${words.join(' ')}"${dynamic ? `; [[ $nargs -eq 0 ]] && words="$words${dynamic}"` : ''} ;;`
  })
  return `# psst completion for bash: eval "$(psst completion bash)" (or save it in ~/.local/share/bash-completion/completions/psst)
_psst_names () {
  # Names as the daemon knows them (no network started for this); one word each.
  psst \${_psst_home:+--home "$_psst_home"} --no-autostart "$1" --json 2>/dev/null | tr ',' '\\n' | sed -n 's/^.*"\\(alias\\|name\\)":"\\([^" ]\\{1,\\}\\)".*$/\\2/p' | sort -u
}
_psst () {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" nargs=0 i w words _psst_home=
  case "$prev" in ${valueFlags.join('|')}) [[ $prev == --home || $prev == --passphrase-file || $prev == --new-passphrase-file ]] && COMPREPLY=( $(compgen -f -- "$cur") ); return ;; esac
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      ${valueFlags.join('|')}) [[ $w == --home ]] && _psst_home="\${COMP_WORDS[i+1]}"; ((i++)) ;;
      -*) ;;
      *) if [[ -z $path ]] || psst_sub_of "$path" "$w"; then path="\${path:+$path }$w"; else ((nargs++)); fi ;;
    esac
  done
  case "$path" in
    "") words="${[...subNames(program), ...globalFlags, '--help'].join(' ')}" ;;
${cases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
psst_sub_of () {
  case "$1" in
${walk(program).filter((n) => subNames(n.cmd).length > 0).map((n) => `    "${n.path.join(' ')}") [[ " ${subNames(n.cmd).join(' ')} " == *" $2 "* ]] ;;`).join('\n')}
    *) return 1 ;;
  esac
}
complete -F _psst psst
`
}

function fishScript (program: Command): string {
  const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const lines = ['# psst completion for fish: psst completion fish > ~/.config/fish/completions/psst.fish', 'complete -c psst -f']
  for (const o of program.options) if (o.long !== undefined) lines.push(`complete -c psst -l ${o.long.slice(2)}${o.required ? ' -r' : ''} -d ${q(o.description)}`)
  for (const { path, cmd } of walk(program)) {
    const parent = path.slice(0, -1)
    const cond = parent.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${parent[parent.length - 1]}`
    lines.push(`complete -c psst -n ${q(cond)} -a ${path[path.length - 1]} -d ${q(cmd.description())}`)
    for (const o of cmd.options) {
      if (o.long !== undefined) lines.push(`complete -c psst -n ${q(`__fish_seen_subcommand_from ${path[path.length - 1]}`)} -l ${o.long.slice(2)}${o.required ? ' -r' : ''} -d ${q(o.description)}`)
    }
    if (path.length === 1 && (FRIEND_FIRST.has(path[0]) || REQUEST_FIRST.has(path[0]))) {
      const list = FRIEND_FIRST.has(path[0]) ? 'friends' : 'requests'
      lines.push(`complete -c psst -n ${q(`__fish_seen_subcommand_from ${path[0]}`)} -a ${q(`(psst --no-autostart ${list} --json 2>/dev/null | string match -r -a -g '"(?:alias|name)":"([^"]+)"')`)}`)
    }
  }
  return lines.join('\n') + '\n'
}

const roff = (s: string): string => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1').replace(/-/g, '\\-')

/** psst.1: the same descriptions, arguments and options as `--help`, as a man page. */
export function manPage (program: Command, version: string, date = new Date()): string {
  const out: string[] = [
    `.TH PSST 1 "${date.toISOString().slice(0, 10)}" "psst ${roff(version)}" "User Commands"`,
    '.SH NAME', `psst \\- ${roff(program.description().replace(/^psst:\s*/, ''))}`,
    '.SH SYNOPSIS', '.B psst', '[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIarguments\\fR]',
    '.SH DESCRIPTION',
    roff('One daemon owns a profile (its keys, friends and history) and the network; every command is a client of it and starts it when needed. Friends are named by your alias for them, their name, a key prefix of at least 8 hex characters, or a unique prefix of an alias or name.'),
    '.SH GLOBAL OPTIONS'
  ]
  for (const o of program.options) out.push('.TP', `.B ${roff(o.flags)}`, roff(o.description))
  out.push('.SH COMMANDS')
  for (const { path, cmd } of walk(program)) {
    const args = cmd.registeredArguments.map((a) => a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`)
    out.push('.TP', `.B psst ${roff(path.join(' '))}${args.length > 0 ? ` \\fI${roff(args.join(' '))}\\fR` : ''}`, roff(cmd.description()))
    for (const o of cmd.options) out.push('.RS', '.TP', `.B ${roff(o.flags)}`, roff(o.description), '.RE')
  }
  out.push(
    '.SH EXIT STATUS', '0 success; 1 failure; 2 usage error (a typo costs nothing: nothing was changed).',
    '.SH ENVIRONMENT',
    '.TP', '.B PSST_HOME', 'the profile folder (else $XDG_DATA_HOME/psst, else ~/.local/share/psst)',
    '.TP', '.B PSST_BOOTSTRAP', roff('DHT bootstrap nodes, host:port,host:port'),
    '.TP', '.B PSST_PASSPHRASE', 'the passphrase of an encrypted profile (prefer \\-\\-passphrase\\-file)',
    '.TP', '.B NO_COLOR', 'no colours even on a terminal',
    '.SH FILES', '.TP', '.I <home>/db, <home>/db.journal', 'the profile database and its write-ahead journal',
    '.TP', '.I <home>/profile.header', 'plain or encrypted, and the key-derivation parameters',
    '.TP', '.I <home>/daemon.log', 'what the daemon did',
    '.SH SEE ALSO', 'psst \\-\\-help, psst <command> \\-\\-help; docs/control-protocol.md for scripts and bots.'
  )
  return out.join('\n') + '\n'
}
