/**
 * hyperdht calls a server's firewall for every incoming handshake; true = reject. A TypeError or
 * ReferenceError thrown there is re-thrown by hyperdht's safety-catch and kills the process, so the
 * caller's function is wrapped to be total: anything but an explicit `false` rejects (fail closed).
 */
export type Firewall = (remotePublicKey: Buffer) => boolean | Promise<boolean>

export function guardFirewall (fn: Firewall): (remotePublicKey: unknown) => boolean | Promise<boolean> {
  return (remotePublicKey: unknown) => {
    try {
      if (!Buffer.isBuffer(remotePublicKey) || remotePublicKey.length !== 32) return true
      const verdict = fn(remotePublicKey)
      if (verdict instanceof Promise) return verdict.then(v => v !== false, () => true)
      return verdict !== false
    } catch {
      return true
    }
  }
}
