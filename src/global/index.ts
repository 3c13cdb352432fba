/**
 * The script-tag build, `dist/sls-webtrack.global.js`: an IIFE that defines the
 * `SLS_WEBTRACK` global, for pages without a bundler. The loader snippet (docs/guide.md,
 * "Script tag") defines a stub that records calls in `SLS_WEBTRACK.q` while this script loads;
 * here they are made, in order, and the stub is replaced. See {@link WebTrackGlobal}.
 * @packageDocumentation
 */
import { createGlobal, report, type QueuedCall, type WebTrackGlobal } from './api.js'

export type { GlobalOptions, GlobalTracker, QueuedCall, WebTrackGlobal } from './api.js'

/** Where the global lives (`window`, `globalThis`): the snippet's stub, with its queue, or nothing. */
interface Host {
  SLS_WEBTRACK?: Partial<WebTrackGlobal> & { q?: QueuedCall[] }
}

/**
 * Replaces the stub on `host` with the global's methods, then makes the stub's queued calls
 * through them, in order. A script loaded twice keeps the first global.
 */
export function install(host: Host): void {
  const stub = host.SLS_WEBTRACK
  if (stub && !stub.q) return
  const api = createGlobal()
  // Replaced first: a call a queued `onReady` callback makes reaches the real method.
  host.SLS_WEBTRACK = api
  const methods = api as unknown as Record<string, (...args: unknown[]) => void>
  for (const [method, args] of stub?.q ?? []) {
    report(() => {
      if (!Object.hasOwn(api, method)) throw new TypeError(`SLS_WEBTRACK.${method} is not a method`)
      methods[method]!(...Array.from(args))
    })
  }
}

install(globalThis as Host)
