// Checking a numeric option, once, at creation: NaN, a string or an out-of-range number would
// otherwise surface much later as odd behaviour (endless retries, NaN delays, a timer that
// overflows to 1 ms). One checker, so that every option states its range the same way.
import { ValidationError } from './errors.js'

/** The longest delay `setTimeout` keeps: 2^31 − 1 ms (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2147483647

/** A value as a message shows it: strings quoted, anything else as `String` gives it. */
export const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value))

/**
 * Returns `value`, or `fallback` when it is `undefined`, after checking that it is a number from
 * `min` to `max`. A count (no `unit`) must be a whole number; `max` may be `Infinity`. With
 * `infinity`, `Infinity` is allowed beyond `max`, and `infinity` says what it means.
 * @param name The option's name as the error's `path` shows it, e.g. `retry.limit`.
 * @param unit Appended to the range in the message, e.g. `' ms'`.
 * @throws ValidationError naming the option, the allowed range and the value given, e.g.
 * `timeoutMs: must be a number from 1 to 2147483647 ms (or Infinity for no timeout), got NaN`.
 */
export function checkOption(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
  unit = '',
  infinity?: string,
): number {
  if (value === undefined) return fallback
  const n = value as number
  // `n % 1` is NaN for Infinity, a whole number only where `max` allows it.
  if (typeof value === 'number' && ((n >= min && n <= max && (unit || n % 1 === 0 || n === max)) || (infinity && n === Infinity))) return n
  throw new ValidationError(
    name,
    `must be a ${unit ? '' : 'whole '}number from ${min} to ${max}${unit}${infinity ? ` (or Infinity for ${infinity})` : ''}, got ${show(value)}`,
  )
}
