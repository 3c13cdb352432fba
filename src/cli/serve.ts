// `sls-webtrack serve`: the emulator in the foreground. One line per accepted log on stdout;
// one line per request that stored nothing (refused, or never answered) and per refused
// connection on stderr. Memory stays bounded: the emulator keeps only the newest
// `maxRecords` records, and at most `maxConnections` connections are open.
import { startEmulator } from '../emulator/index.js'
import type { SignCredentials } from '../sign/index.js'
import { ENV } from './credentials.js'
import { logLine, plural, requestLine, visible } from './format.js'

export interface ServeOptions {
  port: number
  host: string
  store?: string | undefined
  quiet?: boolean
  /** Records kept in memory, each of logs and requests. */
  maxRecords: number
  /** Connections open at once. */
  maxConnections: number
  /** The Logstores that exist; default: any well-formed name. */
  logstores?: readonly string[] | undefined
  /** The key signed writes are checked against; without it, every signed write is refused. */
  credentials?: SignCredentials | undefined
  /** Refuse anonymous writes (`/track`) on `logstores`: only signed writes are stored. */
  requireCredentials?: boolean
}

/** Defaults of `serve`'s bounds (documented in its help). */
export const SERVE_DEFAULTS = { maxRecords: 1000, maxConnections: 128 } as const

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h)
}

/** A start-up failure in plain words: what could not be done, and the system's reason. */
function startFailure(error: unknown, opts: ServeOptions): unknown {
  const e = error as Partial<NodeJS.ErrnoException> | null | undefined
  if (e?.syscall !== 'listen') return error
  return new Error(`cannot listen on ${opts.host} port ${opts.port}: ${e.code ?? String(e.message)}`, { cause: error })
}

/** What the banner says of signed and anonymous writes; never a key, a secret or a token. */
function authLines(opts: ServeOptions): string {
  const logstores = opts.logstores?.map((l) => visible(l)).join(', ')
  const served = logstores ? `  Logstores: ${logstores} (any other is answered 404 LogStoreNotExist)\n` : ''
  if (!opts.credentials) return served
  const signed = `  signed writes: checked against the key in ${ENV.id}${opts.credentials.securityToken ? ` and ${ENV.token}` : ''}\n`
  const anonymous = opts.requireCredentials ? `  anonymous writes (/track): refused with 401 Unauthorized on ${logstores!}\n` : ''
  return served + signed + anonymous
}

/** Runs until SIGINT/SIGTERM, then closes cleanly. Resolves with the exit code. */
export async function serve(
  opts: ServeOptions,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if (!isLoopback(opts.host)) {
    err.write(
      `warning: --host ${visible(opts.host)} is not a loopback address: other machines can reach the emulator, and since it ` +
        'answers CORS "*", so can any web page their browsers open. Use --host 127.0.0.1 unless you mean this.\n',
    )
  }
  const emu = await startEmulator({
    port: opts.port,
    host: opts.host,
    store: opts.store,
    maxRecords: opts.maxRecords,
    maxConnections: opts.maxConnections,
    logstores: opts.logstores,
    credentials: opts.credentials && [opts.credentials],
    secured: opts.requireCredentials ? opts.logstores : undefined,
    onLog: opts.quiet ? undefined : (rec) => out.write(`${logLine(rec)}\n`),
    onRequest: (rec) => {
      if (rec.status !== 200) err.write(`${requestLine(rec)}\n`)
    },
    onConnectionRefused: () => err.write(`refused a connection: ${opts.maxConnections} are open (--max-connections)\n`),
  }).catch((error: unknown) => {
    throw startFailure(error, opts)
  })
  // The handlers go in before the line that says we listen: a caller that reads that line and
  // sends SIGINT at once must find them (without them, Node dies of the signal, exit code null).
  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  err.write(
    `sls-webtrack emulator listening on ${emu.endpoint}\n` +
      `  endpoint for clients: ${emu.endpoint}   (project = first host label, e.g. http://my-project.localhost:${emu.port})\n` +
      (opts.store ? `  storing accepted logs in ${visible(opts.store)}\n` : '') +
      authLines(opts) +
      '  Ctrl-C to stop\n',
  )
  await stopped
  await emu.close()
  const s = emu.stats()
  const refused = s.refusedConnections > 0 ? `, ${plural(s.refusedConnections, 'connection')} refused` : ''
  err.write(`stopped: ${plural(s.logs, 'log')} accepted from ${plural(s.requests, 'request')} (${s.rejected} rejected${refused})\n`)
  return 0
}
