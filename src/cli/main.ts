// The `sls-webtrack` command: a thin shell over the emulator and the client.
import { parseArgs } from 'node:util'
import { demo } from './demo.js'
import { sendCommand } from './send.js'
import { serve } from './serve.js'

declare const __VERSION__: string | undefined
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev'

const HELP: Record<string, string> = {
  main: `sls-webtrack — Alibaba Cloud Log Service web tracking, from the command line

Usage: sls-webtrack <command> [options]

Commands:
  serve   run the local web-tracking emulator and print accepted logs
  send    send NDJSON logs (one JSON object per line) to a Logstore
  demo    send 10 000 web-page logs to an embedded emulator and show what it stored

Options: --help (for each command), --version`,
  serve: `Usage: sls-webtrack serve [--port 4318] [--host 127.0.0.1] [--store logs.ndjson] [--quiet]

Runs the emulator of the /track endpoint. Clients use http://localhost:<port> as the endpoint;
the project is the first host label (http://<project>.localhost:<port>). Prints one line per
accepted log; Ctrl-C stops it.`,
  send: `Usage: sls-webtrack send --project P --endpoint E --logstore L [--topic T] [--source S]
                         [--tag k=v]... [--compression auto|lz4|deflate|none] [file | -]

Reads NDJSON (one log object per line) from the file, or stdin for '-' or no file, and sends it.
A bad line is reported with its line number and skipped. Exits 1 if anything failed.`,
  demo: `Usage: sls-webtrack demo [--count 10000]

Starts an embedded emulator, sends a realistic batch with LZ4 through the client, prints what
the emulator stored.`,
}

class UsageError extends Error {}

function need(values: Record<string, unknown>, name: string): string {
  const v = values[name]
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`)
  return v
}

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v') {
    process.stdout.write(VERSION + '\n')
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP.main + '\n')
    return 0
  }
  if (!(command in HELP) || command === 'main') {
    process.stderr.write(`unknown command ${JSON.stringify(command)}\n\n${HELP.main}\n`)
    return 2
  }
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP[command] + '\n')
      return 0
    }
    if (command === 'serve') {
      const { values } = parseArgs({ args: rest, options: { port: { type: 'string', default: '4318' }, host: { type: 'string', default: '127.0.0.1' }, store: { type: 'string' }, quiet: { type: 'boolean' } } })
      return await serve({ port: Number(values.port), host: values.host!, store: values.store, quiet: values.quiet ?? false })
    }
    if (command === 'demo') {
      const { values } = parseArgs({ args: rest, options: { count: { type: 'string', default: '10000' } } })
      return await demo(Number(values.count))
    }
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        endpoint: { type: 'string' },
        logstore: { type: 'string' },
        topic: { type: 'string' },
        source: { type: 'string' },
        tag: { type: 'string', multiple: true },
        compression: { type: 'string', default: 'auto' },
      },
    })
    const tags: Record<string, string> = {}
    for (const t of values.tag ?? []) {
      const eq = t.indexOf('=')
      if (eq <= 0) throw new UsageError(`--tag wants key=value, got ${JSON.stringify(t)}`)
      tags[t.slice(0, eq)] = t.slice(eq + 1)
    }
    if (!['auto', 'lz4', 'deflate', 'none'].includes(values.compression!)) throw new UsageError('--compression is one of auto, lz4, deflate, none')
    return await sendCommand({
      project: need(values, 'project'),
      endpoint: need(values, 'endpoint'),
      logstore: need(values, 'logstore'),
      topic: values.topic,
      source: values.source,
      tags,
      compression: values.compression as 'auto',
      file: positionals[0] ?? '-',
    })
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`sls-webtrack ${command}: ${(e as Error).message}\n\n${HELP[command]}\n`)
      return 2
    }
    process.stderr.write(`sls-webtrack ${command}: ${(e as Error).message}\n`)
    return 1
  }
}
