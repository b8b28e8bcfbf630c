// A peer in its own process, so a test can kill -9 it while the other end of a stream lives on.
// Usage (forked with IPC): node dht-peer.child.mjs <host> <bootstrapPort> <remotePublicKeyHex> [keepAliveMs]
// Plain JS because a child process cannot load the TypeScript sources; it mirrors what DhtNode does
// on loopback (bind to the network's address, no LAN addresses).
import HyperDHT from 'hyperdht'

const [host, port, remoteHex, keepAlive] = process.argv.slice(2)
const dht = new HyperDHT({ bootstrap: [{ host, port: Number(port) }], host, ephemeral: true })
dht.validateLocalAddresses = async (addrs) => addrs.filter(a => a.host.startsWith('127.'))
await dht.fullyBootstrapped()
const stream = dht.connect(Buffer.from(remoteHex, 'hex'), { keyPair: HyperDHT.keyPair(), localConnection: false })
if (keepAlive) stream.setKeepAlive(Number(keepAlive))
stream.on('error', () => {})
stream.on('open', () => {
  stream.write(Buffer.from('hello from child'))
  process.send({ type: 'open' })
})
stream.on('close', () => process.send?.({ type: 'close' }))
process.on('message', (m) => {
  if (m === 'destroy') {
    process.send({ type: 'destroying', at: Date.now() })
    stream.destroy()
  }
})
