// Where a tracker meets its runtime: the page lifecycle in browsers, the event loop in Node.
// Everything is feature-detected on `globalThis`, so the same code runs in a page, a web
// worker (no page events: nothing is attached), Node, Deno or a bundle for any of them.
//
// Browsers: `visibilitychange` to hidden is the last event a mobile browser reliably fires
// before it may kill a background tab; `pagehide` covers navigation and closing (and the
// back/forward cache). `beforeunload` is never used: it does not fire on mobile, and a
// listener for it makes the page ineligible for the back/forward cache.
// Node: `beforeExit` fires when the event loop empties (not on `process.exit()` or a signal);
// one shared listener serves every tracker, so that many trackers never trip the
// MaxListeners warning and a closed tracker leaves nothing behind.

const g = globalThis as unknown as {
  document?: EventTarget & { visibilityState?: string }
  addEventListener?: EventTarget['addEventListener']
  process?: {
    on(event: 'beforeExit', listener: () => void): unknown
    off(event: 'beforeExit', listener: () => void): unknown
    versions?: { node?: string }
  }
}

/** The exit hooks of every tracker, behind one `beforeExit` listener. */
const exitHooks = new Set<() => void>()
function onBeforeExit(): void {
  // A hook may detach itself (close) while we iterate: a Set's iteration allows that.
  for (const hook of exitHooks) {
    try {
      hook()
    } catch {
      // A tracker reports its own errors; one failing must not stop the others.
    }
  }
}

/**
 * Attaches a tracker to the runtime's lifecycle events that exist here: `unload(false)` when
 * the page becomes hidden (it may be killed without another event), `unload(true)` on
 * `pagehide` (unloaded or frozen into the back/forward cache), both only when `page`; `exit`
 * when Node's event loop empties. Returns the function that detaches them (idempotent). In a
 * web worker there is no page event to attach: a worker's tracker flushes on its timers and
 * on `flush()`/`close()`.
 */
export function attachLifecycle(unload: (final: boolean) => void, page: boolean, exit: false | (() => void)): () => void {
  const doc = g.document
  const proc = g.process
  // One abort removes the page listeners (browsers without the `signal` option, before 2021,
  // keep them: a closed tracker's unload has nothing to send).
  const listeners = new AbortController()
  const signal = listeners.signal
  if (page && doc?.addEventListener) {
    doc.addEventListener('visibilitychange', () => doc.visibilityState === 'hidden' && unload(false), { signal })
    g.addEventListener?.('pagehide', () => unload(true), { signal })
  }
  const node = exit && !doc && proc?.on && proc.versions?.node
  if (node) {
    if (!exitHooks.size) proc.on('beforeExit', onBeforeExit)
    exitHooks.add(exit)
  }
  return () => {
    listeners.abort()
    if (node && exitHooks.delete(exit) && !exitHooks.size) proc.off('beforeExit', onBeforeExit)
  }
}

/** A timer handle of any runtime: a number in browsers, an object with `unref` in Node. */
export type TimerHandle = ReturnType<typeof setTimeout>

/** `setTimeout`, except that the timer never keeps the process alive (Node, Deno, Bun). */
export function timer(ms: number, fn: () => void): TimerHandle {
  const t = setTimeout(fn, ms)
  ;(t as { unref?: () => void }).unref?.()
  return t
}
