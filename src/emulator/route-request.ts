// Where a request goes: the project is the first label of the host (`X-Forwarded-Host` in
// preference to `Host`), the Logstore is a path segment. The name rules come from the spec, as
// the client's do; the code that applies them is the emulator's own, not imported from the
// client, so that the emulator checks the client independently.
import type { IncomingHttpHeaders } from 'node:http'
import { LOGSTORE_NAME, PROJECT_NAME } from '../../generated/spec.js'
import { reject } from './rejection.js'

const TRACK_PATH = /^\/logstores\/([^/]*)\/track$/
const SIGNED_PATH = /^\/logstores\/([^/]*)$/
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/

/** The parts of a request's URL and host that routing needs. */
export interface RequestRoute {
  /** Path without the query. */
  pathname: string
  /** Query parameters. */
  query: URLSearchParams
  /** First host label, lower-cased; `undefined` for a bare host name or an IP address. */
  project: string | undefined
  /** Logstore segment of a track path or a signed write's; `undefined` for any other path. */
  logstore: string | undefined
  /** Whether the path is the signed write's, `/logstores/{logstore}`. */
  signed: boolean
}

/** The host the client addressed: the first `X-Forwarded-Host` entry, else `Host`. */
function addressedHost(headers: IncomingHttpHeaders): string {
  const forwarded = headers['x-forwarded-host']
  const value = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? headers.host ?? ''
  return value.split(',')[0]!.trim()
}

/** First label of a host name, or `undefined` when the host cannot carry a project. */
export function projectLabel(host: string): string | undefined {
  let hostname: string
  try {
    hostname = new URL(`http://${host}`).hostname.toLowerCase()
  } catch {
    return undefined
  }
  if (hostname.startsWith('[') || IPV4.test(hostname)) return undefined
  const labels = hostname.split('.')
  return labels.length >= 2 && labels[0] !== '' ? labels[0] : undefined
}

/** Splits a request into path, query, project and Logstore (unchecked). */
export function parseRoute(url: string | undefined, headers: IncomingHttpHeaders): RequestRoute {
  const raw = url ?? '/'
  const parsed = raw.startsWith('/') ? new URL(`http://emulator.invalid${raw}`) : new URL(raw, 'http://emulator.invalid')
  const signed = SIGNED_PATH.exec(parsed.pathname)
  const match = TRACK_PATH.exec(parsed.pathname) ?? signed
  return {
    pathname: parsed.pathname,
    query: parsed.searchParams,
    project: projectLabel(addressedHost(headers)),
    logstore: match ? match[1] : undefined,
    signed: signed !== null,
  }
}

/** Known projects and Logstores; `undefined` means any well-formed name. */
export interface Catalog {
  projects: ReadonlySet<string> | undefined
  logstores: ReadonlySet<string> | undefined
}

/**
 * Throws the 404 for an unknown path (`PostBodyInvalid`: the spec has no code for it), a
 * host without a project or an unknown project (`ProjectNotExist`), or an unknown Logstore
 * (`LogStoreNotExist`). Names that break the naming rules do not exist either.
 */
export function checkRoute(route: RequestRoute, catalog: Catalog): { project: string; logstore: string } {
  const { project, logstore } = route
  if (logstore === undefined) {
    reject(
      'PostBodyInvalid',
      `No such path: ${route.pathname}. The routes are /logstores/{logstore}/track and, signed, /logstores/{logstore}.`,
      404,
    )
  }
  if (project === undefined) {
    reject('ProjectNotExist', 'The Project does not exist : the host has no project label (expected {project}.{endpoint}).')
  }
  if (!PROJECT_NAME.test(project) || (catalog.projects && !catalog.projects.has(project))) {
    reject('ProjectNotExist', `The Project does not exist : ${project}.`)
  }
  if (!LOGSTORE_NAME.test(logstore) || (catalog.logstores && !catalog.logstores.has(logstore))) {
    reject('LogStoreNotExist', `logstore ${logstore} does not exist.`)
  }
  return { project, logstore }
}
