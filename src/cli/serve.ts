// `sls-webtrack serve`: the emulator in the foreground, one line per accepted log.
import { startEmulator } from '../emulator/index.js'
import { logLine } from './format.js'

export interface ServeOptions {
  port: number
  host: string
  store?: string | undefined
  quiet?: boolean
}

/** Runs until SIGINT/SIGTERM, then closes cleanly. Resolves with the exit code. */
export async function serve(opts: ServeOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const emu = await startEmulator({
    port: opts.port,
    host: opts.host,
    store: opts.store,
    onLog: opts.quiet ? undefined : (rec) => out.write(logLine(rec) + '\n'),
  })
  process.stderr.write(
    `sls-webtrack emulator listening on ${emu.endpoint}\n` +
      `  endpoint for clients: ${emu.endpoint}   (project = first host label, e.g. http://my-project.localhost:${emu.port})\n` +
      (opts.store ? `  storing accepted logs in ${opts.store}\n` : '') +
      '  Ctrl-C to stop\n',
  )
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await emu.close()
  process.stderr.write(`stopped: ${emu.logs().length} logs accepted in ${emu.requests().length} requests\n`)
  return 0
}
