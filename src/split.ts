// Splitting: pack logs, in order, into as few requests as the limits allow. Pure and greedy:
// order is kept, so a request can only close when the next log would not fit.
import { ValidationError } from './errors.js'

/** The service's documented limits per request. */
export interface Limits {
  /** Raw (uncompressed) body bytes per request, envelope included. Default 3 MB (3 × 1024 × 1024); an older document says 10 MB. */
  readonly maxBytes: number
  /** Logs per request. Default and maximum 4096. */
  readonly maxLogs: number
}

/**
 * Returns the end index (exclusive) of each request. `sizes[i]` is the UTF-8 length of log `i`;
 * `envelopeBytes` is the body size with no log in it. Every request holds at most `maxLogs` logs
 * and at most `maxBytes` raw bytes including the envelope and the commas.
 * @throws ValidationError naming the first log that cannot fit in a request alone.
 */
export function splitBySize(sizes: ArrayLike<number>, envelopeBytes: number, limits: Limits): number[] {
  const ends: number[] = []
  const room = limits.maxBytes - envelopeBytes
  let count = 0
  let used = 0
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i]!
    if (size > room) {
      throw new ValidationError(
        `logs[${i}]`,
        `log of ${size} bytes cannot fit in one request (${limits.maxBytes} bytes with a ${envelopeBytes}-byte envelope)`,
      )
    }
    const extra = count === 0 ? size : size + 1
    if (count === limits.maxLogs || used + extra > room) {
      ends.push(i)
      count = 0
      used = 0
      i--
      continue
    }
    count++
    used += extra
  }
  if (count > 0) ends.push(sizes.length)
  return ends
}
