/**
 * `psst-devices/1`: a protomux channel beside psst/1 on a friend's (or my own device's) link that
 * carries signed device lists (docs/devices.md, How friends learn). A peer on an older psst has no
 * such channel: the open is simply never answered, and psst/1 goes on as before.
 */
import Protomux from 'protomux'
import c from 'compact-encoding'
import type { ChannelOpener } from '../net/link.js'
import { DeviceRecords, type DeviceList } from './records.js'

export const DEVICES_PROTOCOL = 'psst-devices/1'
/** A list is at most MAX_DEVICES attestations of ~170 bytes. */
const MAX_LIST_BYTES = 8 * 1024

export interface DeviceChannel {
  send (list: DeviceList): void
  readonly opened: boolean
}

export interface DeviceChannelHandlers {
  onOpen (ch: DeviceChannel): void
  onList (list: DeviceList): void
  onDrop (reason: string): void
}

export function openDeviceChannel (link: ChannelOpener, handlers: DeviceChannelHandlers): DeviceChannel {
  return link.openChannel(DEVICES_PROTOCOL, (mux) => build(mux, handlers))
}

function build (mux: Protomux, handlers: DeviceChannelHandlers): DeviceChannel & { close (): void } {
  let channel: Protomux.Channel | null = null
  let msg: Protomux.Message<any> | null = null
  let closed = false
  const api = {
    // Not `channel.opened`: protomux sets it only after onopen, where the first list is sent.
    send (list: DeviceList) { if (channel !== null && !channel.closed && msg !== null) msg.send(DeviceRecords.list.encode(list)) },
    get opened () { return channel !== null && channel.opened },
    close () {
      if (closed) return
      closed = true
      mux.unpair({ protocol: DEVICES_PROTOCOL })
      channel?.close()
    }
  }
  // Both ends open when their link comes up, not at the same moment: the later open pairs.
  function create (): void {
    if (closed || mux.stream.destroyed) return
    const ch = mux.createChannel({
      protocol: DEVICES_PROTOCOL,
      onopen () { safe(() => handlers.onOpen(api)) },
      onclose () { if (channel === ch) channel = null }
    })
    if (ch === null) return
    channel = ch
    msg = ch.addMessage({ encoding: c.raw, onmessage: onBytes })
    ch.open()
  }
  function onBytes (bytes: Buffer): void {
    if (bytes.byteLength > MAX_LIST_BYTES) return safe(() => handlers.onDrop('device-lists-oversized'))
    const list = DeviceRecords.list.decode(bytes)
    if (list === null) return safe(() => handlers.onDrop('device-lists-malformed'))
    safe(() => handlers.onList(list))
  }
  mux.pair({ protocol: DEVICES_PROTOCOL }, () => { if (channel === null || channel.closed) create() })
  create()
  return api
}

function safe (fn: () => void): void {
  try {
    fn()
  } catch (err) {
    process.emitWarning(`psst: device channel handler error: ${(err as Error).stack ?? err}`)
  }
}
