// Host-based routing: the project is the first label of the host, never a path segment. Names
// are checked here, before any URL is built, so that no input can change the host or the path.
import { LOGSTORE_NAME, PROJECT_NAME } from '../../generated/spec.js'
import { show } from '../check-option.js'
import { ValidationError } from '../errors.js'

// The name rules come from the spec (generated/spec.ts); the Logstore's is the project's with
// `_` allowed too. The message says them in words (test/client.test.ts fails when a pattern
// changes and the words do not).
function checkName(path: string, rule: RegExp, name: unknown, chars: string): string {
  if (typeof name !== 'string' || !rule.test(name)) {
    throw new ValidationError(
      path,
      `${name === undefined ? 'not set; it' : show(name)} must be 3–63 characters of lowercase letters, digits${chars}, starting and ending with a letter or digit`,
    )
  }
  return name
}

/** Throws a `ValidationError` unless `name` follows the service's Logstore naming rules. */
export const checkLogstore = (name: unknown): string => checkName('logstore', LOGSTORE_NAME, name, ', hyphens and underscores')

/**
 * Parses `cn-hangzhou.log.aliyuncs.com` (https implied) or a full `http(s)://host[:port]` URL
 * into its origin (`https://cn-hangzhou.log.aliyuncs.com`). Credentials, a path, a query or a
 * fragment are refused: each would silently change where logs go. So are a host name without a
 * dot other than `localhost` (a region's name alone) and an IP address, which cannot take the
 * project's label in front.
 */
export function parseEndpoint(endpoint: unknown): string {
  // eslint-disable-next-line @typescript-eslint/restrict-template-expressions -- any value's text; a non-string is refused below
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint as string) ? (endpoint as string) : `https://${endpoint}`
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    // refused below
  }
  const origin = url?.origin
  const host = url?.hostname
  // One comparison covers every way to smuggle something in: the input must be exactly the
  // origin the URL parser sees (an optional trailing slash aside); a scheme other than http(s)
  // has an opaque origin, `null`. The URL parser reads a host whose last label is a number as
  // IPv4 (`my-project.127.0.0.1` is no URL); IPv6 is in brackets.
  if (
    typeof endpoint !== 'string' ||
    !/^https?:/.test(origin!) ||
    text.replace(/\/$/, '').toLowerCase() !== origin ||
    /[\d\]]$/.test(host!) ||
    (!host!.includes('.') && host !== 'localhost')
  ) {
    throw new ValidationError(
      'endpoint',
      `${endpoint === undefined ? 'not set; it' : show(endpoint)} must be a host name the project can go in front of, such as cn-hangzhou.log.aliyuncs.com (no IP address, no path), or http://localhost:4318 for the emulator`,
    )
  }
  return origin
}

/**
 * `{scheme}://{project}.{endpoint host[:port]}` — the base URL of every request to a project.
 * Throws a `ValidationError` unless `project` follows the service's project naming rules, or
 * when the endpoint already starts with the project (pasted twice).
 */
export function projectBaseUrl(project: string, origin: string): string {
  const label = `//${checkName('project', PROJECT_NAME, project, ' and hyphens')}.`
  if (origin.includes(label))
    throw new ValidationError('endpoint', `${show(origin)} already starts with the project: use ${origin.replace(label, '//')}`)
  return origin.replace('//', label)
}
