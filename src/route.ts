// Host-based routing: the project is the first label of the host, never a path segment. Names
// are checked here, before any URL is built, so that no input can change the host or the path.
import { LOGSTORE_PATTERN } from '../generated/spec.js'
import { ValidationError } from './errors.js'

const PROJECT = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/
const LOGSTORE = new RegExp(LOGSTORE_PATTERN)

// The message shows the service's naming rule itself: exact, and no second copy to keep in step.
function checkName(path: string, rule: RegExp, name: unknown): string {
  if (typeof name !== 'string' || !rule.test(name)) throw new ValidationError(path, `${JSON.stringify(name)} does not match ${rule}`)
  return name
}

/** Throws a `ValidationError` unless `name` follows the service's Logstore naming rules. */
export const checkLogstore = (name: unknown): string => checkName('logstore', LOGSTORE, name)

/**
 * Parses `cn-hangzhou.log.aliyuncs.com` (https implied) or a full `http(s)://host[:port]` URL
 * into its origin (`https://cn-hangzhou.log.aliyuncs.com`). Credentials, a path, a query or a
 * fragment are refused: each would silently change where logs go.
 */
export function parseEndpoint(endpoint: unknown): string {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint as string) ? (endpoint as string) : `https://${endpoint}`
  let origin: string | undefined
  try {
    origin = new URL(text).origin
  } catch {
    // refused below
  }
  // One comparison covers every way to smuggle something in: the input must be exactly the
  // origin the URL parser sees (an optional trailing slash aside); a scheme other than http(s)
  // has an opaque origin, `null`.
  if (typeof endpoint !== 'string' || !/^https?:/.test(origin!) || text.replace(/\/$/, '').toLowerCase() !== origin) {
    throw new ValidationError('endpoint', `${JSON.stringify(endpoint)} is not a host name or an http(s) origin`)
  }
  return origin
}

/**
 * `{scheme}://{project}.{endpoint host[:port]}` — the base URL of every request to a project.
 * Throws a `ValidationError` unless `project` follows the service's project naming rules.
 */
export const projectBaseUrl = (project: string, origin: string): string => origin.replace('//', `//${checkName('project', PROJECT, project)}.`)
