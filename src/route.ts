// Host-based routing: the project is the first label of the host, never a path segment. Names
// are checked here, before any URL is built, so that no input can change the host or the path.
import { LOGSTORE_PATTERN } from '../generated/spec.js'
import { ValidationError } from './errors.js'

const PROJECT = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/
const LOGSTORE = new RegExp(LOGSTORE_PATTERN)

/** Throws a `ValidationError` unless `name` follows the service's project naming rules. */
export function checkProject(name: unknown): string {
  if (typeof name !== 'string' || !PROJECT.test(name)) {
    throw new ValidationError(
      'project',
      `${JSON.stringify(name)} is not a valid project name (3–63 lowercase letters, digits or "-", starting and ending with a letter or digit)`,
    )
  }
  return name
}

/** Throws a `ValidationError` unless `name` follows the service's Logstore naming rules. */
export function checkLogstore(name: unknown): string {
  if (typeof name !== 'string' || !LOGSTORE.test(name)) {
    throw new ValidationError(
      'logstore',
      `${JSON.stringify(name)} is not a valid Logstore name (3–63 lowercase letters, digits, "-" or "_", starting and ending with a letter or digit)`,
    )
  }
  return name
}

/** An endpoint reduced to what routing needs. */
export interface Endpoint {
  /** `https:` or `http:`. */
  readonly protocol: string
  /** Host name and optional port, e.g. `cn-hangzhou.log.aliyuncs.com` or `localhost:4318`. */
  readonly host: string
}

/**
 * Parses `cn-hangzhou.log.aliyuncs.com` (https implied) or a full `http(s)://host[:port]` URL.
 * Credentials, a path, a query or a fragment are refused: each would silently change where
 * logs go.
 */
export function parseEndpoint(endpoint: unknown): Endpoint {
  const text = typeof endpoint === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    // refused below
  }
  // One comparison covers every way to smuggle something in: the input must be exactly the
  // origin the URL parser sees (an optional trailing slash aside).
  if (typeof endpoint !== 'string' || !url || !/^https?:$/.test(url.protocol) || text.replace(/\/$/, '').toLowerCase() !== `${url.protocol}//${url.host}`) {
    throw new ValidationError('endpoint', `${JSON.stringify(endpoint)} is not a host name or an http(s) origin (no credentials, path, query or fragment)`)
  }
  return { protocol: url.protocol, host: url.host }
}

/** `{scheme}://{project}.{endpoint host[:port]}` — the base URL of every request to a project. */
export function projectBaseUrl(project: string, endpoint: Endpoint): string {
  return `${endpoint.protocol}//${checkProject(project)}.${endpoint.host}`
}
