/** completion, man: text made from this program's own command tree (see completion.ts). */
import type { Command } from 'commander'
import { PsstError } from '../../../errors.js'
import { SHELLS, completionScript, manPage, type Shell } from '../completion.js'
import { packageVersion } from '../version.js'
import { examples } from './run.js'

export function registerShell (program: Command): void {
  program.command('completion')
    .description(`print the shell completion script (${SHELLS.join(', ')}): commands, options and friend names`)
    .argument('<shell>', SHELLS.join(' | '))
    .addHelpText('after', examples(
      'eval "$(psst completion bash)"            # in ~/.bashrc',
      'psst completion zsh > "${fpath[1]}/_psst"',
      'psst completion fish > ~/.config/fish/completions/psst.fish'))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) throw PsstError.usage(`no completion for '${shell}': use ${SHELLS.join(', ')}`)
      process.stdout.write(completionScript(program, shell as Shell))
    })

  program.command('man')
    .description('print the manual page (roff), made from the same text as --help')
    .addHelpText('after', examples('psst man | man -l -', 'psst man > ~/.local/share/man/man1/psst.1'))
    .action(() => { process.stdout.write(manPage(program, packageVersion())) })
}
