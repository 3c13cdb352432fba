// One attempt to send one batch, as an object (OpenTelemetry's `ExportOperation`): it encodes
// the body, compresses it unless header-less, posts it, and reports its outcome. Retries are
// the tracker's, so that a failed batch waits at the head of its queue; each try is a new
// attempt.
import { API_VERSION } from '../../generated/spec.js'
import { compressBody } from '../compress/policy.js'
import type { Connection, Target } from '../request/connection.js'
import { encodeBody } from '../request/encode.js'
import { asWebTrackError, WebTrackError } from '../errors.js'
import { post } from '../transport/post.js'
import type { Batch } from './queue.js'

/** A request in flight. */
export interface Attempt {
  /** Uncompressed body bytes; `Infinity` for a beacon the browser refused (see `attempt`). */
  raw: number
  /** Body bytes on the wire, once compressed (until then, `raw`). */
  wire: number
  /** Keep-alive body bytes (the unload path's budget), else 0. */
  readonly keepalive: number
  /** Aborts the request. */
  readonly controller: AbortController
}

/**
 * Starts one request of batch `b` to `t`, and sets it as the batch's `op` before `fetch` is
 * called (a `fetch` that pushes synchronously then finds the batch in flight). `end` gets the
 * answer's request id, or the error (always one of ours); the caller ignores the outcome of an
 * attempt that is no longer its batch's `op` (cancelled, or re-sent on the unload path). On
 * keep-alive (the unload path) or `headerless`, the body is sent in the header-less form,
 * uncompressed, so that `fetch` is called synchronously: the unload path relies on it.
 *
 * On keep-alive in a page whose `fetch` has no keep-alive (`Request` without `keepalive`:
 * Firefox before 133), it is a beacon instead, which outlives the page too: the same
 * header-less URL, a `text/plain` body (no preflight). A beacon has no answer: accepted, it
 * ends at once as sent (a keep-alive request ends as sent when its answer comes). Refused (the
 * browser's keep-alive quota is spent) or without `sendBeacon`, it never started: `raw` is
 * `Infinity`, which ends the unload path's budget.
 */
export function attempt(
  conn: Connection,
  t: Target,
  b: Batch,
  keepalive: boolean,
  headerless: boolean,
  end: (requestId: string | undefined, error?: WebTrackError) => void,
): Attempt {
  const raw = encodeBody(t.envelope, b.logs)
  const headerlessForm = keepalive || headerless
  const a: Attempt = (b.op = {
    raw: raw.length,
    wire: raw.length,
    keepalive: keepalive ? raw.length : 0,
    controller: new AbortController(),
  })
  ;(async () => {
    // Only in a page: a worker or a server runtime is not unloaded, and its `fetch` goes on.
    if (keepalive && (globalThis as { document?: unknown }).document && !('keepalive' in Request.prototype)) {
      // Refused: the caller takes it out of flight at once, and its outcome below is ignored.
      if (
        !(navigator as Partial<Navigator>).sendBeacon?.(
          `${t.baseUrl}/logstores/${t.logstore}/track?APIVersion=${API_VERSION}`,
          new Blob([raw as BlobPart], { type: 'text/plain' }),
        )
      )
        a.raw = Infinity
      return
    }
    const body = headerlessForm ? { bytes: raw } : await compressBody(raw, conn.options.compression)
    a.wire = body.bytes.length
    return post(conn, t, body, raw.length, { signal: a.controller.signal, keepalive, headerless: headerlessForm })
  })().then(end, (error: unknown) =>
    end(
      undefined,
      asWebTrackError(error, (text) => new WebTrackError(`send failed: ${text}`, { cause: error })),
    ),
  )
  return a
}
