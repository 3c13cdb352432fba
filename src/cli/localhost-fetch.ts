// Node cannot resolve `{project}.localhost`, which host routing produces for a local endpoint:
// for such endpoints the CLI sends through the emulator's forwarding fetch (loopback, with the
// original host in X-Forwarded-Host), and keeps the real routing for every other endpoint.
import { createForwardFetch } from '../emulator/index.js'

const LOCAL = new Set(['localhost', '127.0.0.1', '[::1]'])

/** A fetch for `endpoint` when it is a loopback URL, else `undefined` (use the global fetch). */
export function localhostFetch(endpoint: string): typeof fetch | undefined {
  let url: URL
  try {
    // Only the host matters here; the client checks the endpoint itself and refuses a bad one.
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`)
  } catch {
    return undefined
  }
  if (!LOCAL.has(url.hostname)) return undefined
  return createForwardFetch(`${url.protocol}//127.0.0.1:${url.port || (url.protocol === 'https:' ? 443 : 80)}`)
}
