// Node cannot resolve `{project}.localhost`, which host routing produces for a local endpoint:
// for such endpoints the CLI sends through the emulator's forwarding fetch (loopback, with the
// original host in X-Forwarded-Host), and keeps the real routing for every other endpoint.
import { createForwardFetch } from '../emulator/forward-fetch.js'
import { parseEndpoint } from '../route.js'

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]'])

/** A fetch for `endpoint` when it is a loopback URL, else `undefined` (use the global fetch). */
export function localhostFetch(endpoint: string): typeof fetch | undefined {
  let url: URL
  try {
    url = new URL(parseEndpoint(endpoint))
  } catch {
    return undefined // the client refuses it with a ValidationError of its own
  }
  if (!LOCAL.has(url.hostname)) return undefined
  return createForwardFetch(`${url.protocol}//127.0.0.1:${url.port || (url.protocol === 'https:' ? 443 : 80)}`)
}
