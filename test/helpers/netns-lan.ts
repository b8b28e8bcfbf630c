/**
 * A LAN made of Linux network namespaces, for LAN discovery (issue 19): one switch and two hosts,
 * and nothing else — no router, no uplink, no default route.
 *
 *   sw    bridge br0 (no address): the switch
 *   h-a   eth0 10.240.0.2/24, its veth's other end a port of br0
 *   h-b   eth0 10.240.0.3/24, likewise
 *
 * Every veth is made inside the namespaces (`ip -n NS link add … peer … netns OTHER`), so nothing
 * is added to the host's namespace and none of these namespaces has a link to the host's
 * interfaces: no packet can leave the machine, and no bootstrap node or relay is reachable.
 */
import { spawnSync, execFileSync } from 'node:child_process'

const PREFIX = 'psstlan'

export interface LanNet { sw: string, a: { ns: string, host: string }, b: { ns: string, host: string }, all: string[] }

function ip (...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    const e = err as { stderr?: string, message: string }
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`)
  }
}

/** Why this machine cannot build the namespaces, or null when it can (probes a real one). */
export function lanNetnsProblem (): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)'
  if (spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status !== 0) return '`ip netns` (iproute2) is not available'
  const probe = `${PREFIX}-${process.pid}-probe`
  try {
    ip('netns', 'add', probe)
    ip('-n', probe, 'link', 'add', 'br0', 'type', 'bridge')
    return null
  } catch (err) {
    return `cannot build a namespace with a bridge here: ${(err as Error).message}`
  } finally {
    spawnSync('ip', ['netns', 'delete', probe], { stdio: 'ignore' })
  }
}

function pidAlive (pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM' }
}

/** Kills what still runs in a namespace (a daemon orphaned by a crash), then deletes it. */
function deleteNs (name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? ''
  for (const pid of pids.split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
  spawnSync('ip', ['netns', 'delete', name], { stdio: 'ignore' })
}

function deleteLeftovers (): void {
  const names = ip('netns', 'list').split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n) => n !== undefined && n.startsWith(`${PREFIX}-`))
  for (const name of names) {
    const pid = Number(name.split('-')[1])
    if (pid === process.pid || (Number.isInteger(pid) && pidAlive(pid))) continue
    deleteNs(name)
  }
}

export function buildLanNet (): LanNet {
  deleteLeftovers()
  const ns = (role: string): string => `${PREFIX}-${process.pid}-${role}`
  const net: LanNet = { sw: ns('sw'), a: { ns: ns('h-a'), host: '10.240.0.2' }, b: { ns: ns('h-b'), host: '10.240.0.3' }, all: [] }
  net.all = [net.sw, net.a.ns, net.b.ns]
  try {
    for (const name of net.all) {
      ip('netns', 'add', name)
      ip('-n', name, 'link', 'set', 'lo', 'up')
    }
    ip('-n', net.sw, 'link', 'add', 'br0', 'type', 'bridge')
    ip('-n', net.sw, 'link', 'set', 'br0', 'up')
    for (const [tag, side] of [['a', net.a], ['b', net.b]] as const) {
      ip('-n', side.ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', `port-${tag}`, 'netns', net.sw)
      ip('-n', net.sw, 'link', 'set', `port-${tag}`, 'master', 'br0', 'up')
      ip('-n', side.ns, 'addr', 'add', `${side.host}/24`, 'dev', 'eth0')
      ip('-n', side.ns, 'link', 'set', 'eth0', 'up')
    }
  } catch (err) {
    destroyLanNet(net)
    throw err
  }
  return net
}

/** The namespace's routes and links, for the test to check that nothing leads out. */
export function routesOf (ns: string): string {
  return ip('-n', ns, 'route', 'show') + ip('-n', ns, '-6', 'route', 'show')
}

export function linksOf (ns: string): string[] {
  return ip('-n', ns, '-o', 'link', 'show').split('\n').filter((l) => l.trim() !== '').map((l) => l.split(':')[1].trim().split('@')[0])
}

/** Deletes the namespaces (their veths and bridge go with them, and whatever still runs there). Never throws. */
export function destroyLanNet (net: LanNet | null | undefined): void {
  if (net == null) return
  for (const name of net.all) deleteNs(name)
}
