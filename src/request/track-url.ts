// The single-log GET form (`?APIVersion=0.6.0&__topic__=…&key=value`): the whole log in the
// query string, for an image beacon. A step of its own, so that only bundles that use it hold it.
import { API_VERSION } from '../../generated/spec.js'
import { target, type Connection, type TargetOptions } from './connection.js'
import { ValidationError } from '../errors.js'
import { normalizeLog, type LogInput } from './normalize.js'

/**
 * URL of the single-log GET form of a client's target, e.g. for an image beacon.
 * @throws ValidationError for a bad log or Logstore, or an `APIVersion` key (the form's own).
 * @example
 * new Image().src = trackUrl(client, { event: 'view' }, { topic: 'pages' })
 */
export function trackUrl(conn: Connection, log: LogInput, options: Omit<TargetOptions, 'tags'> = {}): string {
  const t = target(conn, { ...options, tags: undefined })
  const env = t.envelope
  const query = new URLSearchParams({ APIVersion: API_VERSION, __topic__: env.topic, __source__: env.source })
  const normalized = normalizeLog(log, 0)
  for (const key of Object.keys(normalized)) {
    if (key === 'APIVersion') throw new ValidationError('logs[0].APIVersion', 'invalid key: reserved by the GET form')
    query.append(key, normalized[key]!)
  }
  return `${t.baseUrl}/logstores/${t.logstore}/track?${query}`
}
