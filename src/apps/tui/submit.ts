/**
 * Enter: a slash command goes to the command table, plain text in a conversation is sent, plain text
 * anywhere else gets a hint. Also builds the context command handlers work through.
 */
import { errorText, executeCommand, parseCommandLine } from './commands.js'
import type { CommandContext } from './commands.js'
import type { ChatController } from './controller.js'
import { seg } from './wrap.js'
import type { ChatWindow } from './windows.js'

const ESC_SEQ = /\x1b\[[0-9;]*m/g

export async function submitLine (c: ChatController, line: string): Promise<void> {
  if (line.trim() === '') return
  const win = c.state.windows.active
  // commands are one line: a multi-line paste that happens to start with "/" is a message
  if (!line.includes('\n') && parseCommandLine(line) !== null) {
    await executeCommand(line, commandContext(c, win))
    c.ui.render()
    return
  }
  if (win.kind === 'group') {
    await sendToGroup(c, win, line)
    return
  }
  if (win.kind !== 'friend') {
    c.print(win, 'this is not a conversation — use /query <friend> to talk (/help for more)', 'error')
    return
  }
  const text = line.startsWith('//') ? line.slice(1) : line
  try {
    const r = await c.client.call('send', { friend: win.key, text })
    c.ownMessage(win.key, text, false, r)
  } catch (err) {
    // nothing typed since: give the text back, so a long paste is not lost to one refusal
    const back = c.input.text === ''
    if (back) c.input.set(line)
    c.print(win, `not sent: ${errorText(err)}${back ? ' — the text is back in the input line' : ''}`, 'error')
  }
}

/** The line goes in once the daemon's event for it arrives (it carries its place in the order). */
async function sendToGroup (c: ChatController, win: ChatWindow, line: string): Promise<void> {
  const text = line.startsWith('//') ? line.slice(1) : line
  try {
    await c.client.call('groupSend', { group: win.key, text })
    win.scroll = 0
  } catch (err) {
    const back = c.input.text === ''
    if (back) c.input.set(line)
    c.print(win, `not sent: ${errorText(err)}${back ? ' — the text is back in the input line' : ''}`, 'error')
  }
}

export function commandContext (c: ChatController, win: ChatWindow): CommandContext {
  const { state } = c
  return {
    client: c.client,
    book: state.book,
    window: win,
    print: (text, level) => c.print(win, text, level),
    // a QR code arrives with its own colours; keep the characters, draw them black on white
    printBlock: (title, lines) => c.print(win, title, 'dim', lines.map(l => [seg(l.replace(ESC_SEQ, ''), 'qr')])),
    qr: c.qr,
    openQuery: key => { c.openFriend(key, true) },
    closeWindow: () => c.closeActive(),
    clearWindow: () => { win.buffer.clear(); win.scroll = 0; c.ui.render() },
    switchWindow: n => {
      if (n > state.windows.windows.length) throw new Error(`there is no window ${n}`)
      c.switchNumber(n)
    },
    quit: code => c.quit(code),
    setIdentity: info => c.setIdentity(info),
    setMyStatus: (s, m) => c.setMyStatus(s, m),
    friendAdded: info => c.friendAdded(info),
    friendGone: key => { state.book.remove(key); c.ui.render() },
    requestGone: key => { state.book.requests.delete(key); c.syncRequestsWindow(); c.ui.render() },
    ownMessage: (friend, text, action, r) => c.ownMessage(friend, text, action, r),
    settings: state.settings,
    search: text => c.search(text),
    searchOlder: () => c.searchOlder(),
    groups: state.groups,
    openGroup: (groupId) => { c.openGroup(groupId, true) }
  }
}
