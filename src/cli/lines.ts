// Splitting NDJSON input into lines without ever holding more than `maxBytes` of one line: the
// input is read in chunks, and a line that grows past the cap is dropped while it streams by
// (only its length is counted), so a 600 MiB line costs no more memory than a short one.
// Each line is decoded as strict UTF-8: invalid bytes are reported, never replaced.

/** One line of the input, numbered from 1, or why it was skipped. */
export type InputLine = { number: number; text: string } | { number: number; skipped: 'too long' | 'invalid UTF-8'; bytes: number }

/**
 * Yields the lines of `input` (`\n` or `\r\n` separated; a last line without a newline too).
 * A line of more than `maxBytes` bytes, or one that is not valid UTF-8, is yielded as skipped.
 */
export async function* inputLines(input: AsyncIterable<Uint8Array | string>, maxBytes: number): AsyncGenerator<InputLine, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let parts: Uint8Array[] = []
  let size = 0
  let number = 0

  const take = (piece: Uint8Array) => {
    size += piece.length
    if (size > maxBytes)
      parts = [] // over the cap: keep counting, stop keeping
    else if (piece.length > 0) parts.push(piece)
  }
  const finish = (): InputLine => {
    number++
    const bytes = size
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)
    parts = []
    size = 0
    if (bytes > maxBytes) return { number, skipped: 'too long', bytes }
    const end = line[line.length - 1] === 13 ? line.length - 1 : line.length
    try {
      return { number, text: decoder.decode(line.subarray(0, end)) }
    } catch {
      return { number, skipped: 'invalid UTF-8', bytes }
    }
  }

  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
    let from = 0
    for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
      take(buf.subarray(from, nl))
      yield finish()
      from = nl + 1
    }
    take(buf.subarray(from))
  }
  if (size > 0) yield finish()
}
