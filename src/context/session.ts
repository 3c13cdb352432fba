// The session id: random, kept while logs keep coming, replaced after `inactivityMs` without a
// log or `maxMs` after it began (the rules of Datadog's and Google Analytics' sessions, whose
// defaults these are). With `storage` (localStorage, say), the pages and tabs of one origin
// share it, as they share a visit.
import { prepare, ValidationError } from '../core.js'

/** How the session id is kept and rotated. */
export interface SessionOptions {
  /** The log key of the id. Default `'session_id'`. */
  key?: string
  /** A session ends after this long without a log. Default 15 minutes. */
  inactivityMs?: number
  /** A session ends this long after it began, however busy. Default 4 hours. */
  maxMs?: number
  /**
   * Where the session is kept between pages (`localStorage`, `sessionStorage`, or your own):
   * one session per origin. Default: in memory, one session per wrapper.
   */
  storage?: SessionStorage
  /** The storage key. Default `'sls-webtrack.session'`. */
  storageKey?: string
}

/** What `session.storage` needs of `localStorage`: its type spelled out, so that a consumer without the DOM lib compiles. */
export interface SessionStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

interface State {
  id: string
  start: number
  last: number
}

/**
 * `key` when the service accepts it as a log key; else a `ValidationError` at `path`. The
 * tracker's own check decides (a log of that one key, prepared), so that the rules are its.
 */
export function checkKey(key: string, path: string): string {
  try {
    if (typeof key !== 'string') throw new ValidationError(path, 'not a string')
    prepare({ [key]: '' })
    return key
  } catch (error) {
    const { message, path: at } = error as ValidationError
    throw new ValidationError(path, `must be a key the service accepts (${message.slice(at.length + 2)})`, { cause: error })
  }
}

/** A number of milliseconds above 0 (`Infinity` allowed), or the default. */
function checkMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value === 'number' && value > 0) return value
  throw new ValidationError(
    `session.${name}`,
    `must be a number of milliseconds above 0, got ${typeof value === 'number' ? value : JSON.stringify(value)}`,
  )
}

/** A fresh id: a UUID where `crypto.randomUUID` exists (secure contexts), else 128 random bits in hex. */
function newId(): string {
  const c = globalThis.crypto as Crypto | undefined
  if (c?.randomUUID) return c.randomUUID()
  let id = ''
  for (let i = 0; i < 4; i++)
    id += Math.floor(Math.random() * 2 ** 32)
      .toString(16)
      .padStart(8, '0')
  return id
}

/** A session, checked now: `touch()` gives the id to stamp on a log (rotating it first when it expired). */
export function sessionOf(options: SessionOptions): { key: string; touch(active?: boolean): string } {
  const key = checkKey(options.key ?? 'session_id', 'session.key')
  const inactivityMs = checkMs('inactivityMs', options.inactivityMs, 900_000)
  const maxMs = checkMs('maxMs', options.maxMs, 14_400_000)
  const { storage, storageKey = 'sls-webtrack.session' } = options
  let state: State | undefined
  const read = (): State | undefined => {
    if (!storage) return state
    try {
      const s = JSON.parse(storage.getItem(storageKey) ?? 'null') as State | null
      return s && typeof s.id === 'string' && typeof s.start === 'number' && typeof s.last === 'number' ? s : undefined
    } catch {
      // Unreadable (blocked storage, a foreign value): a session of this page's own.
      return state
    }
  }
  const touch = (active = true): string => {
    const now = Date.now()
    let s = read()
    if (!s || now - s.last > inactivityMs || now - s.start > maxMs) s = { id: newId(), start: now, last: now }
    if (active) s.last = now
    state = s
    try {
      storage?.setItem(storageKey, JSON.stringify(s))
    } catch {
      // A full or blocked storage: the session lives in this page only.
    }
    return s.id
  }
  return { key, touch }
}
