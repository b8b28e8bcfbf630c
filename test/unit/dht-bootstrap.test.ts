import { describe, expect, it } from 'vitest'
import { chooseBindHost, formatBootstrap, isLoopback, parseBootstrap, portRangeAvoiding } from '../../src/net/bootstrap.js'
import { PsstError } from '../../src/errors.js'

function usageError (fn: () => unknown): PsstError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(PsstError)
    expect((err as PsstError).code).toBe('USAGE')
    return err as PsstError
  }
  throw new Error('expected a USAGE error')
}

describe('parseBootstrap', () => {
  it.each([
    ['127.0.0.1:49737', [{ host: '127.0.0.1', port: 49737 }]],
    [' 127.0.0.5:1 , 127.0.0.6:65535 ', [{ host: '127.0.0.5', port: 1 }, { host: '127.0.0.6', port: 65535 }]],
    ['localhost:10001,', [{ host: 'localhost', port: 10001 }]],
    ['node1.hyperdht.org:49737', [{ host: 'node1.hyperdht.org', port: 49737 }]],
    ['88.99.3.86@node1.hyperdht.org:49737', [{ host: '88.99.3.86@node1.hyperdht.org', port: 49737 }]],
    [' None ', []]
  ])('%s', (text, expected) => {
    expect(parseBootstrap(text)).toEqual(expected)
  })

  it('`none` is the empty list, both ways: no DHT, friends on the LAN only', () => {
    expect(formatBootstrap([])).toBe('none')
    expect(parseBootstrap(formatBootstrap([]))).toEqual([])
  })

  it.each([
    ['', 'empty'],
    [' , ', 'empty'],
    ['127.0.0.1', '"127.0.0.1"'],
    ['127.0.0.1:', '"127.0.0.1:"'],
    [':49737', 'missing host'],
    ['127.0.0.1:0', 'port'],
    ['127.0.0.1:65536', 'port'],
    ['127.0.0.1:12a', 'port'],
    ['127.0.0.1:-1', 'port'],
    ['127.0.0.1:1,foo', '"foo"'],
    ['256.0.0.1:1', 'IPv4'],
    ['127.0.0.01:1', 'IPv4'],
    ['0.0.0.0:1', 'reach'],
    ['[::1]:1', 'IPv6'],
    ['::1:49737', 'IPv6'],
    ['bad_host:1', 'host name'],
    ['x@host:1', 'before @']
  ])('rejects %j naming the entry', (text, fragment) => {
    const err = usageError(() => parseBootstrap(text))
    expect(err.message).toContain(fragment)
  })

  it('round-trips through formatBootstrap', () => {
    const text = '127.0.0.9:49736,127.0.0.9:49737'
    expect(formatBootstrap(parseBootstrap(text))).toBe(text)
  })
})

describe('isLoopback', () => {
  it.each([
    ['127.0.0.1', true], ['127.0.0.42', true], ['127.255.255.254', true], ['localhost', true],
    ['LOCALHOST', true], ['::1', true], ['[::1]', true], ['::ffff:127.0.0.3', true],
    ['0.0.0.0', false], ['128.0.0.1', false], ['192.0.2.2', false], ['10.0.0.1', false],
    ['127.0.0', false], ['127.0.0.256', false], ['localhost.example.com', false], ['', false], ['::', false]
  ])('%s → %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected)
  })
})

describe('chooseBindHost', () => {
  const lo = [{ host: '127.0.0.7', port: 49736 }, { host: '127.0.0.1', port: 49737 }]
  const pub = [{ host: '88.99.3.86', port: 49737 }]
  const mixed = [{ host: '127.0.0.7', port: 49736 }, { host: '88.99.3.86', port: 49737 }]

  it.each([
    ['all loopback → first bootstrap host', lo, undefined, '127.0.0.7'],
    ['localhost bootstrap → 127.0.0.1', [{ host: 'localhost', port: 1 }], undefined, '127.0.0.1'],
    ['public default (null) → hyperdht default', null, undefined, undefined],
    ['public list → hyperdht default', pub, undefined, undefined],
    ['mixed list → hyperdht default', mixed, undefined, undefined],
    ['empty list → hyperdht default', [], undefined, undefined],
    ['explicit wins over loopback', lo, '127.0.0.9', '127.0.0.9'],
    ['explicit wins over public', pub, '192.0.2.2', '192.0.2.2'],
    ['explicit 0.0.0.0 with a public list', pub, '0.0.0.0', '0.0.0.0'],
    ['blank explicit is ignored', lo, '  ', '127.0.0.7'],
    ['explicit localhost', pub, 'localhost', '127.0.0.1']
  ])('%s', (_name, bootstrap, explicit, expected) => {
    expect(chooseBindHost(bootstrap, explicit)).toBe(expected)
  })

  it('never returns 0.0.0.0 for an all-loopback bootstrap', () => {
    for (const explicit of [undefined, '', '0.0.0.0', '::']) {
      let got: string | undefined
      try { got = chooseBindHost(lo, explicit) } catch (err) { expect((err as PsstError).code).toBe('USAGE') }
      expect(got).not.toBe('0.0.0.0')
      expect(got).not.toBe('::')
    }
    expect(usageError(() => chooseBindHost(lo, '0.0.0.0')).message).toContain('loopback')
  })

  it('rejects a bind address that is not IPv4', () => {
    expect(usageError(() => chooseBindHost(pub, 'example.com')).message).toContain('example.com')
  })
})

describe('portRangeAvoiding', () => {
  const at = (...ports: number[]) => ports.map(port => ({ host: '127.0.0.2', port }))
  it('is hyperdht\'s usual range when no bootstrap port is in it', () => {
    expect(portRangeAvoiding(null)).toEqual([49737, 49742])
    expect(portRangeAvoiding(at(5000))).toEqual([49737, 49742])
  })
  it('never includes a bootstrap node\'s port', () => {
    expect(portRangeAvoiding(at(49737))).toEqual([49738, 49743])
    expect(portRangeAvoiding(at(49740))).toEqual([49741, 49746])
    expect(portRangeAvoiding(at(49737, 49739, 49744))).toEqual([49745, 49750])
    for (const ports of [[49737], [49741], [49737, 49738, 49742], [49745, 49737]]) {
      const [from, to] = portRangeAvoiding(at(...ports))
      for (let p = from; p < to; p++) expect(ports).not.toContain(p)
    }
  })
})
