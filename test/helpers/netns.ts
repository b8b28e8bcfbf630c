/**
 * A private "internet" made of Linux network namespaces, for tests that need real NAT (issue 7):
 *
 *   inet   bridge br0 10.77.0.1/24 — the relay (and its helper DHT nodes) live here
 *   r-a    NAT router: wan 10.77.0.2 on the bridge, lan 192.168.10.1 — MASQUERADE --random-fully
 *   p-a    alice: eth0 192.168.10.2, default route via r-a
 *   r-b    NAT router: wan 10.77.0.3 on the bridge, lan 192.168.20.1 — MASQUERADE --random-fully
 *   p-b    bob:   eth0 192.168.20.2, default route via r-b
 *
 * Every veth is created inside the namespaces (`ip -n NS link add … peer … netns OTHER`), so nothing
 * is ever added to the host's namespace and no namespace has a link to the host's interfaces: the
 * 10.x and 192.168.x addresses exist only in these namespaces, and no packet can leave the machine.
 *
 * `--random-fully` gives every new flow a random source port: a symmetric, port-randomizing NAT.
 * hyperdht classifies both peers as randomized and gives up holepunching between two of those at
 * once (the dialer sees HOLEPUNCH_ABORTED within ~50 ms), so the only way through is a blind relay.
 * (In a topology this short even a port-preserving MASQUERADE defeats holepunching — hyperdht's
 * low-TTL opening packets reach the far router and its conntrack entry then clashes — but only
 * after a ~10 s attempt; the randomizing NAT fails fast and by design.)
 *
 * Needs root, iproute2 with `ip netns`, and iptables (nft backend is fine); netnsProblem() says
 * why not when something is missing.
 */
import { spawnSync, execFileSync } from 'node:child_process'

export const PREFIX = 'psstnat'

export interface NatSide { router: string, peer: string, wan: string, lan: string, host: string }
export interface NatNet { inet: string, relayHost: string, a: NatSide, b: NatSide, all: string[] }

function run (cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: string, message: string }
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`)
  }
}

const ip = (...args: string[]): string => run('ip', args)
const inNs = (ns: string, cmd: string, ...args: string[]): string => run('ip', ['netns', 'exec', ns, cmd, ...args])

/** Why this machine cannot run the namespace tests, or null when it can (probes a real namespace). */
export function netnsProblem (): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)'
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return '`ip netns` (iproute2) is not available'
  if (spawnSync('iptables', ['--version'], { stdio: 'ignore' }).status !== 0) return 'iptables is not installed (apt-get install iptables)'
  const probe = `${PREFIX}-${process.pid}-probe`
  try {
    ip('netns', 'add', probe)
    inNs(probe, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'lo', '-j', 'MASQUERADE', '--random-fully')
    return null
  } catch (err) {
    return `cannot build a NAT namespace here: ${(err as Error).message}`
  } finally {
    spawnSync('ip', ['netns', 'delete', probe], { stdio: 'ignore' })
  }
}

function pidAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Deletes namespaces left by earlier runs whose process is gone (a crash skips afterAll). */
export function deleteLeftovers (): void {
  const names = ip('netns', 'list').split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n) => n !== undefined && n.startsWith(`${PREFIX}-`))
  for (const name of names) {
    const pid = Number(name.split('-')[1])
    if (pid === process.pid || (Number.isInteger(pid) && pidAlive(pid))) continue
    deleteNs(name)
  }
}

/** Kills what still runs in a namespace of ours (a daemon orphaned by a crash), then deletes it. */
function deleteNs (name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? ''
  for (const pid of pids.split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
  spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' })
}

/** Builds the topology above with namespace names unique to this process. */
export function buildNatNet (): NatNet {
  deleteLeftovers()
  const ns = (role: string): string => `${PREFIX}-${process.pid}-${role}`
  const net: NatNet = {
    inet: ns('inet'),
    relayHost: '10.77.0.1',
    a: { router: ns('r-a'), peer: ns('p-a'), wan: '10.77.0.2', lan: '192.168.10.1', host: '192.168.10.2' },
    b: { router: ns('r-b'), peer: ns('p-b'), wan: '10.77.0.3', lan: '192.168.20.1', host: '192.168.20.2' },
    all: []
  }
  net.all = [net.inet, net.a.router, net.a.peer, net.b.router, net.b.peer]
  try {
    for (const name of net.all) {
      ip('netns', 'add', name)
      ip('-n', name, 'link', 'set', 'lo', 'up')
    }
    ip('-n', net.inet, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', net.inet, 'addr', 'add', `${net.relayHost}/24`, 'dev', 'br0')
    ip('-n', net.inet, 'link', 'set', 'br0', 'up')
    for (const [tag, side] of [['a', net.a], ['b', net.b]] as const) {
      // wan: router ↔ the bridge in inet
      ip('-n', side.router, 'link', 'add', 'wan', 'type', 'veth', 'peer', 'name', `port-${tag}`, 'netns', net.inet)
      ip('-n', net.inet, 'link', 'set', `port-${tag}`, 'master', 'br0', 'up')
      ip('-n', side.router, 'addr', 'add', `${side.wan}/24`, 'dev', 'wan')
      ip('-n', side.router, 'link', 'set', 'wan', 'up')
      // lan: router ↔ the peer
      ip('-n', side.router, 'link', 'add', 'lan', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', side.peer)
      ip('-n', side.router, 'addr', 'add', `${side.lan}/24`, 'dev', 'lan')
      ip('-n', side.router, 'link', 'set', 'lan', 'up')
      ip('-n', side.peer, 'addr', 'add', `${side.host}/24`, 'dev', 'eth0')
      ip('-n', side.peer, 'link', 'set', 'eth0', 'up')
      ip('-n', side.peer, 'route', 'add', 'default', 'via', side.lan)
      // The router: forwards, masquerades with random ports, lets in only replies to what went out.
      inNs(side.router, 'sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward')
      inNs(side.router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-o', 'wan', '-j', 'MASQUERADE', '--random-fully')
      inNs(side.router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'ACCEPT')
      inNs(side.router, 'iptables', '-A', 'FORWARD', '-i', 'wan', '-j', 'DROP')
    }
  } catch (err) {
    destroyNatNet(net)
    throw err
  }
  return net
}

/** Packets a router masqueraded so far (the MASQUERADE rule's counter). */
export function masqueraded (router: string): number {
  const out = inNs(router, 'iptables', '-t', 'nat', '-L', 'POSTROUTING', '-v', '-x', '-n')
  const line = out.split('\n').find((l) => l.includes('MASQUERADE'))
  return line === undefined ? 0 : Number(line.trim().split(/\s+/)[0])
}

/** Deletes the namespaces (their veths and bridge go with them, and anything left running in them). Never throws. */
export function destroyNatNet (net: NatNet | null | undefined): void {
  if (net == null) return
  for (const name of net.all) deleteNs(name)
}
