// A `fetch` that sends every request to one local server, whatever host its URL names, and
// tells that server the original host in `X-Forwarded-Host`. Node's fetch can neither
// resolve `{project}.localhost` reliably nor set `Host`, so this is how Node clients reach
// the emulator with host-based project routing intact.

/**
 * Returns a WHATWG-compatible `fetch` that re-targets each request to `origin` (e.g.
 * `http://127.0.0.1:43121`), keeping method, path, query, headers, body, redirect mode and
 * signal, and setting `X-Forwarded-Host` to the host (and port) of the original URL.
 * Accepts what `fetch` accepts: a URL string, a `URL`, or a `Request` (as openapi-fetch
 * passes it), plus `init`. The body is read whole before it is re-sent (no streaming).
 * Requests go out through `globalThis.fetch`.
 */
export function createForwardFetch(origin: string | URL): typeof globalThis.fetch {
  const base = new URL(origin)
  return async function forwardFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init)
    const original = new URL(request.url)
    const url = new URL(original.pathname + original.search, base)
    const headers = new Headers(request.headers)
    headers.set('x-forwarded-host', original.host)
    const body = request.body === null ? undefined : await request.arrayBuffer()
    return globalThis.fetch(url, {
      method: request.method,
      headers,
      body,
      redirect: request.redirect,
      signal: request.signal,
    })
  }
}
