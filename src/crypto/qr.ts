/** QR code for `psst id --qr`, so a phone or another terminal can read an ID off the screen. */
import QRCode from 'qrcode'

/**
 * Half-height blocks (two modules per character row) with explicit black-on-white ANSI colours, so it
 * stays square-ish, fits an 80-column terminal, and scans on dark themes too. Level L keeps it small:
 * a screen is not a scratched label, and the ID has its own checksum.
 */
export async function qrText (text: string, ansi = true): Promise<string> {
  // Without a terminal (a pipe, a file) the same blocks come without colour codes.
  if (!ansi) return await QRCode.toString(text, { type: 'utf8', errorCorrectionLevel: 'L' })
  return await QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' })
}
