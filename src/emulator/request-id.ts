// `x-log-requestid` values: 24 upper-case hex digits, like the service's
// (`5B0A6B60BB6EE39764D458B5`): seconds, then a random per-instance part, then a counter, so
// that ids never repeat within an instance and practically never across instances.
import { randomBytes } from 'node:crypto'

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0')

/** Returns a generator of request ids, unique for the first 2^32 calls. */
export function requestIdGenerator(): () => string {
  const instance = randomBytes(4).toString('hex')
  let counter = 0
  return () => (hex8(Math.floor(Date.now() / 1000)) + instance + hex8(counter++)).toUpperCase()
}
