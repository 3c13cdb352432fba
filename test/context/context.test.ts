// sls-webtrack/context and sls-webtrack/consent on a real tracker, against the emulator: the
// context on the wire with its precedence, the session id and its rotation, consent holding
// logs (and never writing them to the store) until it is granted, dropping them when refused.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { withConsent, type ConsentDropReason } from '../../src/consent/index.js'
import { withContext } from '../../src/context/index.js'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { createTracker, ValidationError, type Tracker, type TrackerStats } from '../../src/index.js'
import { fileStore } from '../../src/persist/index.js'

let emu: Emulator
const trackers: Tracker[] = []
const dir = mkdtempSync(join(tmpdir(), 'sls-consent-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeEach(async () => {
  emu = await startEmulator({ port: 0, host: '127.0.0.1' })
})
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(trackers.splice(0).map((t) => t.close({ timeoutMs: 200 })))
  await emu.close()
})

function tracker(extra: Partial<Parameters<typeof createTracker>[0]> = {}): Tracker {
  const t = createTracker({
    project: 'my-project',
    endpoint: emu.endpoint,
    logstore: 'web',
    fetch: emu.fetch,
    compression: 'none',
    flushOnExit: false,
    lingerMs: 5,
    ...extra,
  })
  trackers.push(t)
  return t
}

/** The logs as they arrived, less `__time__` (the emulator stamps it on receipt). */
const wire = () => emu.logs().map(({ log: { __time__, ...rest } }) => rest)

/** pushed = queued + inFlight + sent + failed + dropped + rejected + filtered. */
function balanced(s: TrackerStats): void {
  expect(s.pushed).toBe(s.queued + s.inFlight + s.sent + s.failed + s.dropped + s.rejected + s.filtered)
}

describe('withContext', () => {
  it('merges the context into every later log; a log’s own keys win; removed keys leave later logs', async () => {
    const t = withContext(tracker(), { context: { release: '1.4.2' } })
    t.setContext('user', 'u-1')
    t.setContext('page', '/home')
    t.push({ event: 'a', page: '/own' })
    t.removeContext('user')
    t.push([{ event: 'b' }, { event: 'c', release: 'x' }], { topic: 'ui' })
    expect(t.getContext()).toEqual({ release: '1.4.2', page: '/home' })
    expect(await t.flush()).toBe(true)
    expect(wire()).toEqual([
      { release: '1.4.2', user: 'u-1', page: '/own', event: 'a' },
      { release: '1.4.2', page: '/home', event: 'b' },
      { release: 'x', page: '/home', event: 'c' },
    ])
    // Everything else is the tracker's: stats, closed, close.
    expect(t.stats()).toMatchObject({ pushed: 3, sent: 3 })
    expect(t.closed).toBe(false)
    await t.close()
    expect(t.closed).toBe(true)
  })

  it('an Error pushed as a log keeps its fields; a non-object is refused and reported, not merged', async () => {
    const errors: unknown[][] = []
    const t = withContext(tracker({ onError: (e, logs) => errors.push([e, logs]) }), { context: { app: 'shop' } })
    const error = Object.assign(new TypeError('bad input'), { code: 'E_BAD' })
    // As a JavaScript caller may push them: an Error, and an array where a log belongs.
    const logs: unknown = [error, ['not', 'a', 'log']]
    t.push(logs as Parameters<typeof t.push>[0])
    expect(await t.flush()).toBe(true)
    expect(wire()).toEqual([expect.objectContaining({ app: 'shop', name: 'TypeError', message: 'bad input', code: 'E_BAD' })])
    expect(wire()[0]!.stack).toContain('bad input')
    expect(t.stats()).toMatchObject({ pushed: 2, sent: 1, rejected: 1 })
    expect(errors).toHaveLength(1)
  })

  it('refuses a key the service refuses, at once, with a ValidationError', () => {
    const t = withContext(tracker())
    expect(() => t.setContext('__topic__', 'x')).toThrow(ValidationError)
    expect(() => t.setContext('', 'x')).toThrow(/context\.: must be a key the service accepts \(invalid key: empty key\)/)
    expect(() => withContext(tracker(), { context: { '__tag__:x': '1' } })).toThrow(ValidationError)
    expect(() => withContext(tracker(), { session: { inactivityMs: -1 } })).toThrow(ValidationError)
  })

  it('a session id on every log, kept while logs come, replaced after inactivity and after maxMs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const t = withContext(tracker(), { session: { inactivityMs: 60_000, maxMs: 600_000 } })
    t.push({ n: 1 })
    vi.advanceTimersByTime(59_000)
    t.push({ n: 2 })
    vi.advanceTimersByTime(61_000) // inactive for longer than a minute
    t.push({ n: 3 })
    for (let i = 0; i < 14; i++) {
      vi.advanceTimersByTime(50_000) // busy, but past maxMs at last
      t.push({ n: 4 + i })
    }
    expect(await t.flush()).toBe(true)
    const ids = wire().map((l) => l.session_id!)
    expect(ids[0]).toMatch(/^[0-9a-f-]{32,36}$/)
    expect(ids[1]).toBe(ids[0])
    expect(ids[2]).not.toBe(ids[1])
    expect(new Set(ids.slice(2)).size).toBe(2)
    expect(t.sessionId()).toBe(ids.at(-1))
  })

  it('with storage, pages of one origin share the session', async () => {
    const items = new Map<string, string>()
    const storage = { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v) }
    const one = withContext(tracker(), { session: { storage, key: 'sid' } })
    const two = withContext(tracker(), { session: { storage, key: 'sid' } })
    one.push({ page: 1 })
    two.push({ page: 2 })
    expect(await one.flush()).toBe(true)
    expect(await two.flush()).toBe(true)
    const ids = wire().map((l) => l.sid)
    expect(ids).toHaveLength(2)
    expect(ids[0]).toBe(ids[1])
    // A value another script left there is not trusted: a new session.
    items.set('sls-webtrack.session', '{"id":5}')
    expect(withContext(tracker(), { session: { storage } }).sessionId()).not.toBe(ids[0])
  })
})

describe('withConsent', () => {
  it('holds logs while not granted (nothing sent, nothing in the store); granted, they leave first, in order', async () => {
    const path = join(dir, 'held.journal')
    const store = fileStore({ path })
    const t = withConsent(tracker({ store }))
    for (let i = 0; i < 5; i++) t.push({ i })
    await new Promise((r) => setTimeout(r, 50))
    await store.flush()
    expect(emu.requests()).toEqual([])
    expect(statSync(path).size).toBe(8) // the journal's header, no record
    expect(t.stats()).toMatchObject({ pushed: 5, queued: 5, held: 5, sent: 0 })
    balanced(t.stats())
    expect(t.trackingConsent).toBe('not-granted')

    t.setTrackingConsent('granted')
    t.push({ i: 5 })
    expect(await t.flush()).toBe(true)
    expect(wire().map((l) => l.i)).toEqual(['0', '1', '2', '3', '4', '5'])
    expect(t.stats()).toMatchObject({ pushed: 6, sent: 6, held: 0, queued: 0 })
    balanced(t.stats())
  })

  it('refused, held logs are dropped and counted, and so are later ones until granted; bounded while held', async () => {
    const drops: [number, ConsentDropReason][] = []
    const t = withConsent(tracker(), { maxHeldLogs: 3, onDrop: (n, r) => drops.push([n, r]) })
    t.push([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }])
    expect(drops).toEqual([[1, 'queue-full']])
    t.setTrackingConsent('not-granted')
    expect(drops).toEqual([
      [1, 'queue-full'],
      [3, 'not-granted'],
    ])
    t.push({ i: 4 })
    t.setTrackingConsent('granted')
    t.push({ i: 5 })
    expect(await t.flush()).toBe(true)
    expect(wire().map((l) => l.i)).toEqual(['5'])
    expect(t.stats()).toMatchObject({ pushed: 6, dropped: 5, sent: 1 })
    balanced(t.stats())
    expect(() => t.setTrackingConsent('yes' as 'granted')).toThrow(ValidationError)
  })

  it('close drops what is still held, counted; composes with withContext in either order', async () => {
    const drops: number[] = []
    // Context outside: read at push, so a held log keeps the context of its push.
    const t = withContext(withConsent(tracker(), { onDrop: (n) => drops.push(n) }), { context: { app: 'shop' } })
    t.push({ i: 0 })
    t.setContext('user', 'u')
    t.setTrackingConsent('granted')
    t.push({ i: 1 })
    expect(await t.flush()).toBe(true)
    expect(wire()).toEqual([
      { app: 'shop', i: '0' },
      { app: 'shop', user: 'u', i: '1' },
    ])
    // Consent outside: the context is read when consent releases the log.
    emu.clear()
    const c = withConsent(withContext(tracker(), { context: { app: 'shop' } }))
    c.push({ i: 2 })
    c.setContext('user', 'v')
    c.setTrackingConsent('granted')
    expect(await c.flush()).toBe(true)
    expect(wire()).toEqual([{ app: 'shop', user: 'v', i: '2' }])
    t.setTrackingConsent('not-granted')
    const u = withConsent(tracker())
    u.push([{ i: 2 }, { i: 3 }])
    await u.close()
    expect(u.stats()).toMatchObject({ pushed: 2, dropped: 2, held: 0 })
    balanced(u.stats())
  })
})
