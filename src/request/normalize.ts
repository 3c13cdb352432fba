// Normalisation: every value the service receives is a string, every key is one it accepts.
// The common case (a flat object of strings) takes a fast path that builds nothing. Lone
// surrogates are not looked for here: the JSON encoder replaces them (see encode.ts), which
// costs one native scan instead of a check of every string.
import { RESERVED_LOG_KEYS, TAG_KEY_PREFIX } from '../../generated/spec.js'
import { ValidationError } from '../errors.js'

/** A log as users write it: any JSON-like values; they are turned into strings. */
export type LogInput = Record<string, unknown>

/** A log as the service receives it. */
export type Log = Record<string, string>

/**
 * Keys the service owns (the spec's `Log.propertyNames`, where the choice of list is
 * explained). `__time__` is not among them: the service overwrites it on receipt, so it is
 * dropped (and counted) instead of refused.
 */
const RESERVED = new Set<string>(RESERVED_LOG_KEYS)

/** Why a key is refused, or `undefined` when the service accepts it. */
export function keyProblem(key: string): string | undefined {
  if (key === '') return 'empty key'
  if (key.charCodeAt(0) !== 95 /* _ */) return undefined // the usual key, decided in one compare
  if (RESERVED.has(key)) return 'reserved by the service'
  if (key.startsWith(TAG_KEY_PREFIX)) return 'reserved by the service (tags go in `tags`)'
  return undefined
}

/**
 * What an `Error` is made of, as a log or a value: `name`, `message`, `stack`, and `code` and
 * `cause` when set (JSON leaves an Error as `{}`: none of these is enumerable). A cause that is
 * an Error is spelled out the same way, at most 3 levels deep; deeper, it is its `String`.
 */
export function errorFields(error: Error, depth = 0): LogInput {
  const { name, message, stack, code, cause } = error as Error & { code?: unknown }
  return { name, message, stack, code, cause: cause instanceof Error ? (depth < 3 ? errorFields(cause, depth + 1) : String(cause)) : cause }
}

function safeJson(value: object): string {
  try {
    // `undefined` when a `toJSON` returns nothing (the lib's type says `string`).
    const text = JSON.stringify(value) as string | undefined
    // `{}` may be an Error inside (it has no enumerable field): the tolerant form spells it out.
    if (text !== undefined && !text.includes('{}')) return text
  } catch {
    // Circular structure or a bigint inside: fall through to the tolerant form.
  }
  const ancestors: object[] = []
  // Cycles become "[Circular]", bigints their decimal text and errors their fields, so
  // normalisation never throws and loses no error.
  return (
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- undefined when a `toJSON` returns nothing (typed `string`)
    JSON.stringify(value, function (this: unknown, _key, v: unknown) {
      if (typeof v === 'bigint') return v.toString()
      if (typeof v !== 'object' || v === null) return v
      const o: object = v instanceof Error ? errorFields(v) : v
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop()
      if (ancestors.includes(o)) return '[Circular]'
      ancestors.push(o)
      return o
    }) ?? ''
  )
}

/**
 * Turns one value into the string the service stores, or `undefined` to leave it out:
 * numbers, booleans and bigints via `String`, dates as ISO 8601, objects and arrays as JSON
 * (a circular reference becomes `"[Circular]"`), an `Error` as the JSON of its `errorFields`,
 * `null`/`undefined`/functions/symbols left out.
 */
export function stringifyValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value)
    case 'object':
      if (value === null) return undefined
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
      return safeJson(value instanceof Error ? errorFields(value) : value)
    default:
      return undefined
  }
}

/**
 * What normalisation learns on the way, summed over the logs it sees (one object per send,
 * not one per log: the fast path allocates nothing).
 */
export interface Tally {
  /** Values left out: functions, symbols and `__time__`. `null`/`undefined` are not counted. */
  omitted: number
  /**
   * A lower bound of the logs' JSON length in UTF-8 bytes (escapes and multi-byte characters
   * only add), known without serialising: it tells whether a send can fit in one request.
   */
  minBytes: number
}

/** A fresh tally. */
export const tally = (): Tally => ({ omitted: 0, minBytes: 0 })

/**
 * Validates and normalises one log, adding to `counts`. `index` names the log in errors. The
 * input is never changed: a log that needs changes is copied; with `asIs` false it is copied
 * without first trying to send it as it is.
 * An `Error` becomes the log of its `errorFields`.
 * @throws ValidationError for a non-object log, an empty key, a key reserved by the service, or
 * a log left with no field.
 */
export function normalizeLog(input: LogInput, index: number, counts: Tally = tally(), asIs = true): Log {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- input from JavaScript is checked, whatever its type says
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError(
      `logs[${index}]`,
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above: `null` is named in the message
      `a log must be a plain object, got ${Array.isArray(input) ? 'an array' : input === null ? 'null' : typeof input}`,
    )
  }
  // `for…in` also walks a prototype's enumerable keys: anything but a plain object is first
  // reduced to its own keys (rare: class instances and the like); an Error to its fields.
  const proto: unknown = Object.getPrototypeOf(input)
  if (proto !== Object.prototype && proto !== null) input = input instanceof Error ? errorFields(input) : { ...input }
  // The common log, a flat object of strings under ordinary keys, goes as it is: nothing is
  // built. Otherwise a new object is filled in the input's key order, so that every log of one
  // shape gets one hidden class whose fields are all strings (JSON.stringify's fast path), and
  // a value left out is simply not added (a `delete` would turn the object into a slow
  // dictionary).
  const log: Log = asIs ? (input as Log) : {}
  let size = 1 // `{}` is 2; each `"k":"v",` adds k + v + 6, less the last comma
  for (const key in input) {
    const value = input[key]
    if (typeof value === 'string' && key.charCodeAt(0) !== 95 /* _ */ && key) {
      if (!asIs) log[key] = value
      size += key.length + value.length + 6
      continue
    }
    if (asIs) return normalizeLog(input, index, counts, false)
    let text = stringifyValue(value)
    if (key.charCodeAt(0) === 95 || !key) {
      const problem = keyProblem(key)
      if (problem) throw new ValidationError(`logs[${index}].${key}`, `invalid key: ${problem}`)
      if (key === '__time__') text = undefined // the service sets it on receipt
    }
    if (text === undefined) {
      if (value !== null && value !== undefined) counts.omitted++
      continue
    }
    // `__proto__` is data here, never a prototype.
    if (key === '__proto__') Object.defineProperty(log, key, { value: text, enumerable: true, writable: true, configurable: true })
    else log[key] = text
    size += key.length + text.length + 6
  }
  // An empty log would be stored as a record of nothing, and counted as sent.
  if (size === 1) throw new ValidationError(`logs[${index}]`, 'has no field with a value to send')
  counts.minBytes += size
  return log
}

/** Normalises every log of a send (all checked before any is sent), adding to `counts`. */
export function normalizeLogs(logs: readonly LogInput[], counts: Tally): Log[] {
  const out: Log[] = new Array<Log>(logs.length)
  // Logs of a send tend to look alike: after a log that had to be copied, the next ones go
  // straight to the copy, and only every 16th checks again whether logs can be sent as they are.
  let tryAsIs = true
  for (let i = 0; i < logs.length; i++) {
    const input = logs[i]!
    const log: Log = (out[i] = normalizeLog(input, i, counts, tryAsIs || (i & 15) === 0))
    tryAsIs = log === input
  }
  return out
}

/** Normalises tags: a string map whose keys may not be empty. */
export function normalizeTags(tags: Record<string, unknown> | undefined): Log {
  const out = Object.create(null) as Log
  if (!tags) return out
  for (const key of Object.keys(tags)) {
    if (key === '') throw new ValidationError('tags', 'empty tag key')
    const text = stringifyValue(tags[key])
    if (text !== undefined) out[key] = text
  }
  return out
}
