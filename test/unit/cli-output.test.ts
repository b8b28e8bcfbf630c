import { describe, it, expect } from 'vitest'
import { errorReport, Output, type Sink } from '../../src/apps/cli/output.js'
import { PsstError } from '../../src/errors.js'

function sink (isTTY = false): Sink & { text: string } {
  const s = { text: '', isTTY, write (chunk: string) { s.text += chunk; return true } }
  return s
}

describe('cli output', () => {
  it('writes one JSON document with --json and nothing human', () => {
    const out = sink()
    const o = new Output(true, out, sink())
    o.lines(['ignored'])
    o.result({ a: 1 }, () => ['human'])
    expect(out.text).toBe('{"a":1}\n')
  })
  it('writes human lines without colour when not a terminal', () => {
    const out = sink(false)
    const o = new Output(false, out, sink())
    o.result({ a: 1 }, () => [o.colours.green('ok')])
    expect(out.text).toBe('ok\n')
  })
  it('warnings go to stderr, as JSON with --json', () => {
    const err = sink()
    new Output(false, sink(), err).warn('careful')
    expect(err.text).toBe('warning: careful\n')
    const jerr = sink()
    new Output(true, sink(), jerr).warn('careful')
    expect(JSON.parse(jerr.text)).toEqual({ warning: { message: 'careful' } })
  })
})

describe('cli errorReport', () => {
  it('one line and exit 1 for a failure', () => {
    const r = errorReport(new PsstError('BAD_PASSPHRASE', 'wrong passphrase'), { json: false, command: 'id', debug: false })
    expect(r).toEqual({ lines: ['psst: wrong passphrase'], exitCode: 1 })
  })
  it('a hint line and exit 2 for usage errors', () => {
    const r = errorReport(new PsstError('BAD_ID_CHECKSUM', 'checksum'), { json: false, command: 'add', debug: false })
    expect(r).toEqual({ lines: ['psst: checksum', 'hint: psst add --help'], exitCode: 2 })
    expect(errorReport(PsstError.usage('x'), { json: false, command: '', debug: false }).lines[1]).toBe('hint: psst --help')
  })
  it('one JSON line with --json', () => {
    const r = errorReport(PsstError.usage('bad\nthing'), { json: true, command: 'add', debug: false })
    expect(r.lines).toHaveLength(1)
    expect(JSON.parse(r.lines[0])).toEqual({ error: { code: 'USAGE', message: 'bad thing' } })
    expect(r.exitCode).toBe(2)
  })
  it('unexpected errors: one line, exit 1, stack only when debugging', () => {
    const boom = new TypeError('boom')
    expect(errorReport(boom, { json: false, command: 'x', debug: false })).toEqual({ lines: ['psst: boom'], exitCode: 1 })
    const debug = errorReport(boom, { json: false, command: 'x', debug: true })
    expect(debug.lines[1]).toMatch(/TypeError: boom/)
    expect(errorReport('weird', { json: true, command: 'x', debug: false }).lines[0]).toBe('{"error":{"code":"INTERNAL","message":"weird"}}')
  })
})
