// Reading the CLI's flags: required strings and whole numbers in a range, each refused with a
// usage error that says what was expected and what was given.
import { visible } from './format.js'

/** A mistake in the command line: printed with the command's help, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The value of a required string flag. */
export function required(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`)
  return v
}

/**
 * A whole-number flag: digits only, within `min`–`max`. `what` names it in the message:
 * `--port: expected a port number 0–65535, got "abc"`.
 */
export function wholeNumber(name: string, raw: string, what: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN
  if (!(n >= min && n <= max)) throw new UsageError(`--${name}: expected ${what} ${min}–${max}, got ${visible(JSON.stringify(raw))}`)
  return n
}
