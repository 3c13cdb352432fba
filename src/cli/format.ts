// What the CLI prints: figures, plurals, and the lines of `serve`. Every text that came from
// outside (log fields, topics, tags, a server's error message) goes through `visible`, so that
// nobody can drive the terminal (ESC sequences, OSC 52 clipboard writes, C1 controls), forge a
// line (a newline in a topic) or reorder what is shown (bidi overrides).

/** `1234567` → `1.18 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(2)} MiB`
}

/** `1 log`, `2 logs`; `plural(1, 'bad line')`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

// Controls (Cc: C0, DEL, C1), format characters (Cf: bidi overrides and isolates, zero-width
// characters, soft hyphen…), line and paragraph separators, and lone surrogates.
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu
const HAS_HIDDEN = new RegExp(HIDDEN.source, 'u')
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escapeChar(c: string): string {
  const short = SHORT[c]
  if (short) return short
  const cp = c.codePointAt(0)!
  const hex = cp.toString(16).padStart(cp <= 0xff ? 2 : 4, '0')
  return cp <= 0xff ? `\\x${hex}` : cp <= 0xffff ? `\\u${hex}` : `\\u{${hex}}`
}

/** `text` with every control and format character written out visibly (`\x1b`, `\u202e`). */
export function visible(text: string): string {
  return text.replace(HIDDEN, escapeChar)
}

// A token is printed bare when nothing in it can be mistaken for the line's own syntax: a
// value ends at a space, a name (key, topic, project) also at `=` or a bracket.
const BARE_VALUE = /^[^\s"\\]+$/u
const BARE_NAME = /^[^\s"\\=[\]]+$/u

/** A value, or a name (`name: true`): bare when plain, else quoted with `\` and `"` escaped. */
export function token(text: string, name = false): string {
  if ((name ? BARE_NAME : BARE_VALUE).test(text) && !HAS_HIDDEN.test(text)) return text
  return `"${visible(text.replace(/[\\"]/g, (c) => `\\${c}`))}"`
}

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19)

/** What `logLine` shows of an accepted log (an `EmulatorLogRecord`). */
export interface LogLineRecord {
  project: string
  logstore: string
  topic?: string | undefined
  source?: string | undefined
  tags?: Record<string, string>
  log: Record<string, string>
  receivedAt: number
}

/**
 * One accepted log as one line: time, project/logstore, [topic], the log's key=value pairs,
 * then `__source__=` and `__tag__:key=value` (names a log cannot use). No newline.
 */
export function logLine(rec: LogLineRecord): string {
  const pairs = Object.entries(rec.log)
    .filter(([k]) => k !== '__time__')
    .map(([k, v]) => `${token(k, true)}=${token(v)}`)
  if (rec.source) pairs.push(`__source__=${token(rec.source)}`)
  for (const [k, v] of Object.entries(rec.tags ?? {})) pairs.push(`${token(`__tag__:${k}`, true)}=${token(v)}`)
  return `${clock(rec.receivedAt)} ${token(rec.project, true)}/${token(rec.logstore, true)}${rec.topic ? ` [${token(rec.topic, true)}]` : ''} ${pairs.join(' ')}`
}

/** What `requestLine` shows of a request (an `EmulatorRequestRecord`). */
export interface RequestLineRecord {
  method: string
  project: string | undefined
  logstore: string | undefined
  status: number
  errorCode?: string
  errorMessage?: string
  fault?: string
  requestId: string
  receivedAt: number
}

/**
 * A request that stored nothing, as one line: time, status and error code, where it went, the
 * request id, and the reason. No newline.
 */
export function requestLine(rec: RequestLineRecord): string {
  const where = `${token(rec.method, true)} ${token(rec.project ?? '?', true)}/${token(rec.logstore ?? '?', true)}`
  const what = rec.status === 0 ? 'unanswered' : `rejected ${rec.status} ${rec.errorCode ?? ''}`.trimEnd()
  const why =
    rec.status !== 0
      ? (rec.errorMessage ?? '')
      : rec.fault
        ? `injected fault ${rec.fault}`
        : 'the client went away before the request was complete, or the emulator closed'
  return `${clock(rec.receivedAt)} ${visible(what)} ${visible(where)} (request ${visible(rec.requestId)}): ${visible(why)}`
}
