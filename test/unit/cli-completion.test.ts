import { describe, it, expect } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildProgram } from '../../src/apps/cli/program.js'
import { completionScript, manPage } from '../../src/apps/cli/completion.js'

/** Runs the bash completion for a command line (the last word is being completed) with a fake psst on PATH. */
function complete (words: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'psst-complete-'))
  try {
    writeFileSync(join(dir, 'psst'), '#!/bin/sh\necho \'[{"publicKey":"aa","name":"bob","alias":"robert","state":"friends"},{"publicKey":"bb","name":"carol x","alias":""}]\'\n')
    chmodSync(join(dir, 'psst'), 0o755)
    writeFileSync(join(dir, 'c.bash'), completionScript(buildProgram(), 'bash'))
    const script = `source ${join(dir, 'c.bash')}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _psst; printf '%s\\n' "\${COMPREPLY[@]}"`
    return execFileSync('bash', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } }).toString().split('\n').filter((l) => l !== '')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('shell completion and man page, made from the command tree', () => {
  it('bash completes commands, subcommands, options and friend names', () => {
    expect(complete(['psst', 'se'])).toEqual(['send'])
    expect(complete(['psst', '--home', '/x', 'daemon', 's'])).toEqual(['status', 'stop'])
    expect(complete(['psst', 'send', '--w'])).toEqual(['--wait'])
    expect(complete(['psst', 'send', ''])).toEqual(expect.arrayContaining(['bob', 'robert', '--wait']))
    expect(complete(['psst', 'send', ''])).not.toContain('carol')
    expect(complete(['psst', 'send', 'bob', ''])).not.toContain('bob')
  })

  it('zsh and fish scripts cover every command; the man page lists each with its options', () => {
    const program = buildProgram()
    const names = program.commands.map((c) => c.name()).filter((n) => n !== 'help')
    const fish = completionScript(program, 'fish')
    const man = manPage(program, '1.2.3', new Date(0))
    for (const n of names) {
      expect(fish, n).toContain(`-a ${n} `)
      expect(man, n).toContain(`.B psst ${n.replace(/-/g, '\\-')}`)
    }
    expect(completionScript(program, 'zsh')).toMatch(/^#compdef psst\n.*bashcompinit/s)
    expect(man).toMatch(/^\.TH PSST 1 "1970-01-01" "psst 1\.2\.3"/)
    expect(man).toContain('\\-\\-new\\-passphrase\\-file')
  })
})
