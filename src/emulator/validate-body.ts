// Checks on the JSON document: UTF-8, JSON, the `TrackBody` shape, log keys and `__time__`.
// The first problem found is reported, with where it is.
import type { components } from '../../generated/schema.js'
import { RESERVED_LOG_KEYS, TAG_KEY_PREFIX } from '../../generated/spec.js'
import { reject } from './rejection.js'

/** A request's logs, as the spec types them. */
export type TrackBody = components['schemas']['TrackBody']

const TOP_LEVEL_KEYS = new Set(['__topic__', '__source__', '__logs__', '__tags__'])
/** Keys a log may not use: the spec's `Log.propertyNames` (the body's own keys and the service's fields). */
const RESERVED_KEYS = new Set<string>(RESERVED_LOG_KEYS)
const DECIMAL = /^[0-9]+$/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
}

/** Decodes strict UTF-8 (a BOM is dropped); invalid bytes are `InvalidEncoding`. */
export function decodeUtf8(raw: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    return reject('InvalidEncoding', 'Non-UTF8 characters are in logs.')
  }
}

/**
 * Why a log key is invalid, or `undefined` when it is fine. What the spec refuses is refused:
 * the empty key, the reserved keys (`RESERVED_LOG_KEYS`) and keys starting with `__tag__:`
 * (tags go in `__tags__`). Length and character set are not checked.
 */
export function invalidKeyReason(key: string): string | undefined {
  if (key === '') return 'an empty key'
  if (RESERVED_KEYS.has(key)) return `the reserved key ${JSON.stringify(key)}`
  if (key.startsWith(TAG_KEY_PREFIX)) return `the key ${JSON.stringify(key)} (tags go in __tags__)`
  return undefined
}

function checkLog(log: unknown, index: number): void {
  const where = `__logs__[${index}]`
  if (!isObject(log)) reject('PostBodyInvalid', `${where} is ${typeName(log)}; every log must be a JSON object.`)
  for (const [key, value] of Object.entries(log)) {
    if (typeof value !== 'string') {
      reject('PostBodyInvalid', `${where}[${JSON.stringify(key)}] is ${typeName(value)}; every value must be a string.`)
    }
    const reason = invalidKeyReason(key)
    if (reason) reject('InvalidKey', `Invalid keys are in logs: ${where} has ${reason}.`)
    if (key === '__time__' && !DECIMAL.test(value)) {
      reject('InvalidTimestamp', `Invalid timestamps are in logs: ${where}.__time__ is ${JSON.stringify(value)}, not a decimal integer.`)
    }
  }
}

/**
 * Checks a parsed document against `TrackBody`: an object with only `__topic__`,
 * `__source__` (strings), `__tags__` (string map) and `__logs__` (1..`maxLogs` objects of
 * strings). More than `maxLogs` logs is `PostBodyTooLarge`; a bad key `InvalidKey`; a
 * `__time__` that is not a decimal integer `InvalidTimestamp`; anything else
 * `PostBodyInvalid`.
 */
export function checkTrackBody(doc: unknown, maxLogs: number): TrackBody {
  if (!isObject(doc)) reject('PostBodyInvalid', `The body is ${typeName(doc)}; it must be a JSON object.`)
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      reject('PostBodyInvalid', `Unknown top-level key ${JSON.stringify(key)} (allowed: __topic__, __source__, __logs__, __tags__).`)
    }
  }
  for (const key of ['__topic__', '__source__'] as const) {
    if (key in doc && typeof doc[key] !== 'string') reject('PostBodyInvalid', `${key} is ${typeName(doc[key])}; it must be a string.`)
  }
  const tags = doc.__tags__
  if (tags !== undefined) {
    if (!isObject(tags)) reject('PostBodyInvalid', `__tags__ is ${typeName(tags)}; it must be an object of strings.`)
    for (const [key, value] of Object.entries(tags)) {
      if (typeof value !== 'string')
        reject('PostBodyInvalid', `__tags__[${JSON.stringify(key)}] is ${typeName(value)}; it must be a string.`)
    }
  }
  const logs = doc.__logs__
  if (logs === undefined) reject('PostBodyInvalid', 'The body has no __logs__.')
  if (!Array.isArray(logs)) reject('PostBodyInvalid', `__logs__ is ${typeName(logs)}; it must be an array.`)
  if (logs.length === 0) reject('PostBodyInvalid', '__logs__ is empty; send at least one log.')
  if (logs.length > maxLogs) {
    reject('PostBodyTooLarge', `Logs must be at most ${maxLogs} entries; __logs__ has ${logs.length}.`)
  }
  logs.forEach(checkLog)
  return doc as TrackBody
}

/** Decodes, parses and checks a raw (decompressed) body. */
export function parseTrackBody(raw: Uint8Array, maxLogs: number): TrackBody {
  const text = decodeUtf8(raw)
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    return reject('PostBodyInvalid', `The body is not JSON: ${(error as Error).message}.`)
  }
  return checkTrackBody(doc, maxLogs)
}
