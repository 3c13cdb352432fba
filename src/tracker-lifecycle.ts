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

/** What a tracker does at each lifecycle event. */
export interface LifecycleHooks {
  /** The page became hidden; it may be killed without another event. */
  hidden(): void
  /** The page is being unloaded or frozen into the back/forward cache. */
  pagehide(): void
  /** Node's event loop emptied: the process is about to exit unless new work is scheduled. */
  beforeExit(): void
}

/** Which lifecycle integrations to attach; each is still attached only where it exists. */
export interface LifecycleOptions {
  /** `visibilitychange` and `pagehide` on pages. */
  readonly page: boolean
  /** `beforeExit` in Node. */
  readonly exit: boolean
}

interface EventTargetLike {
  addEventListener(type: string, listener: (event: Event) => void): void
  removeEventListener(type: string, listener: (event: Event) => void): void
}

interface ProcessLike {
  on(event: 'beforeExit', listener: () => void): unknown
  off(event: 'beforeExit', listener: () => void): unknown
  versions?: { node?: string }
}

const g = globalThis as unknown as {
  document?: EventTargetLike & { visibilityState?: string }
  addEventListener?: EventTargetLike['addEventListener']
  removeEventListener?: EventTargetLike['removeEventListener']
  process?: ProcessLike
}

/** The Node process, or `undefined` in a browser, a worker or a bundle without `process`. */
function nodeProcess(): ProcessLike | undefined {
  const proc = g.process
  return proc && typeof proc.on === 'function' && typeof proc.off === 'function' && typeof proc.versions?.node === 'string' ? proc : undefined
}

const exitHooks = new Set<LifecycleHooks>()
function onBeforeExit(): void {
  // A copy: a hook may detach itself (close) while we iterate.
  for (const hooks of [...exitHooks]) {
    try {
      hooks.beforeExit()
    } catch {
      // A tracker reports its own errors; one failing must not stop the others.
    }
  }
}

/**
 * Attaches the hooks to the runtime's lifecycle events that exist here and returns the
 * function that detaches them. In a web worker there is no page event to attach: a worker's
 * tracker flushes on its timers and on `flush()`/`close()`.
 */
export function attachLifecycle(hooks: LifecycleHooks, options: LifecycleOptions): () => void {
  const detach: (() => void)[] = []
  const doc = g.document
  if (options.page && doc && typeof doc.addEventListener === 'function') {
    const onVisibility = () => {
      if (doc.visibilityState === 'hidden') hooks.hidden()
    }
    doc.addEventListener('visibilitychange', onVisibility)
    detach.push(() => doc.removeEventListener('visibilitychange', onVisibility))
    if (typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function') {
      const add = g.addEventListener.bind(globalThis)
      const remove = g.removeEventListener.bind(globalThis)
      const onPageHide = () => hooks.pagehide()
      add('pagehide', onPageHide)
      detach.push(() => remove('pagehide', onPageHide))
    }
  }
  const proc = nodeProcess()
  if (options.exit && proc && !doc) {
    if (exitHooks.size === 0) proc.on('beforeExit', onBeforeExit)
    exitHooks.add(hooks)
    detach.push(() => {
      exitHooks.delete(hooks)
      if (exitHooks.size === 0) proc.off('beforeExit', onBeforeExit)
    })
  }
  let attached = true
  return () => {
    if (!attached) return
    attached = false
    for (const undo of detach) undo()
  }
}

/** A timer handle of any runtime: a number in browsers, an object with `ref`/`unref` in Node. */
export type TimerHandle = ReturnType<typeof setTimeout>

/** Lets the process exit while this timer is pending (Node, Deno, Bun); a no-op elsewhere. */
export function unrefTimer(timer: TimerHandle): void {
  ;(timer as { unref?: () => void }).unref?.()
}

/** Makes a pending timer keep the process alive again; a no-op where timers are numbers. */
export function refTimer(timer: TimerHandle): void {
  ;(timer as { ref?: () => void }).ref?.()
}
