// The `sls-webtrack` command: a thin shell over the emulator and the client.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { CompressionName } from '../index.js'
import { ENV, envCredentials, refuseSecretFlags, requiredEnvCredentials } from './credentials.js'
import { demo } from './demo.js'
import { required, UsageError, wholeNumber } from './flags.js'
import { visible } from './format.js'
import { sendCommand, STOP_AFTER_UNREACHABLE } from './send.js'
import { SERVE_DEFAULTS, serve } from './serve.js'

// The build writes the version in; run from source (tsx), it is read from package.json.
declare const __VERSION__: string | undefined
function version(): string {
  if (typeof __VERSION__ === 'string') return __VERSION__
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

// The names `--compression` takes: keyed by `CompressionName`, so that the compiler holds
// this list to the package's (a name added there and not here, or the reverse, fails to build).
const COMPRESSION: Record<CompressionName, true> = { auto: true, lz4: true, deflate: true, none: true }
const COMPRESSION_NAMES = Object.keys(COMPRESSION) as CompressionName[]

type Command = 'serve' | 'send' | 'demo'

const HELP: Record<Command | 'main', string> = {
  main: `sls-webtrack — Alibaba Cloud Log Service web tracking, from the command line

Usage: sls-webtrack <command> [options]

Commands:
  serve   run the local web-tracking emulator and print accepted logs
  send    send NDJSON logs (one JSON object per line) to a Logstore; signed when
          ${ENV.id} and ${ENV.secret} are set in the environment
  demo    send 10 000 web-page logs to an embedded emulator and show what it stored

Options: --help (for each command), --version`,
  serve: `Usage: sls-webtrack serve [--port 4318] [--host 127.0.0.1] [--store logs.ndjson] [--quiet]
                          [--max-records ${SERVE_DEFAULTS.maxRecords}] [--max-connections ${SERVE_DEFAULTS.maxConnections}]
                          [--logstore L]... [--require-credentials]

Runs the emulator of the /track endpoint. Clients use http://localhost:<port> as the endpoint;
the project is the first host label (http://<project>.localhost:<port>). Prints one line per
accepted log on stdout (not with --quiet), and one line per refused request on stderr; Ctrl-C
stops it.

  --store FILE           append accepted logs to FILE as NDJSON (created with mode 0600)
  --max-records N        logs and requests kept in memory, the newest N of each (0–1000000)
  --max-connections N    connections open at once; more are closed at once (1–65535)
  --host ADDRESS         a non-loopback address opens the emulator to the network (warned)
  --logstore L           serve only these Logstores (repeat it); any other is 404 LogStoreNotExist
  --require-credentials  refuse anonymous writes (/track) on the --logstore Logstores with
                         401 Unauthorized: only writes signed with the key in the environment
                         are stored (the same variables as for send)

Signed writes are checked against ${ENV.id}, ${ENV.secret} and, for STS
credentials, ${ENV.token}, when they are set; without them every signed write is refused.`,
  send: `Usage: sls-webtrack send --project P --endpoint E --logstore L [--topic T] [--source S]
                         [--tag k=v]... [--compression ${COMPRESSION_NAMES.join('|')}] [file | -]

Reads NDJSON (one log object per line) from the file, or stdin for '-' or no file, and sends it.
A bad line (not JSON, not UTF-8, over the 3 MiB request limit, or refused) is reported with its
line number and skipped. After ${STOP_AFTER_UNREACHABLE} batches in a row that cannot reach the service, it stops and
lists the lines not sent. Exits 1 if any line was skipped or not sent.

Signed writes: with ${ENV.id} and ${ENV.secret} set in the environment (and
${ENV.token} for STS temporary credentials), every request is signed, so that the
Logstore need not accept anonymous writes. Credentials are never taken from flags, which land in
shell history: a flag such as --access-key-secret is refused.`,
  demo: `Usage: sls-webtrack demo [--count 10000]

Starts an embedded emulator, sends a realistic batch with LZ4 through the client, prints what
the emulator stored.`,
}

/** `serve`: flags checked, then the emulator in the foreground. */
function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string', default: '4318' },
      host: { type: 'string', default: '127.0.0.1' },
      store: { type: 'string' },
      quiet: { type: 'boolean' },
      'max-records': { type: 'string', default: String(SERVE_DEFAULTS.maxRecords) },
      'max-connections': { type: 'string', default: String(SERVE_DEFAULTS.maxConnections) },
      logstore: { type: 'string', multiple: true },
      'require-credentials': { type: 'boolean' },
    },
  })
  const requireCredentials = values['require-credentials'] ?? false
  if (requireCredentials && !values.logstore?.length) {
    throw new UsageError('--require-credentials: name the Logstores to secure with --logstore')
  }
  return serve({
    port: wholeNumber('port', values.port, 'a port number', 0, 65535),
    host: values.host,
    store: values.store,
    quiet: values.quiet ?? false,
    maxRecords: wholeNumber('max-records', values['max-records'], 'a number of records', 0, 1_000_000),
    maxConnections: wholeNumber('max-connections', values['max-connections'], 'a number of connections', 1, 65535),
    logstores: values.logstore,
    credentials: requireCredentials ? requiredEnvCredentials('--require-credentials') : envCredentials(),
    requireCredentials,
  })
}

function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { count: { type: 'string', default: '10000' } } })
  return demo(wholeNumber('count', values.count, 'a number of logs', 1, 1_000_000))
}

function runSend(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
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
    if (eq <= 0) throw new UsageError(`--tag: expected key=value, got ${visible(JSON.stringify(t))}`)
    tags[t.slice(0, eq)] = t.slice(eq + 1)
  }
  const compression = values.compression
  if (!Object.hasOwn(COMPRESSION, compression)) {
    throw new UsageError(`--compression: expected one of ${COMPRESSION_NAMES.join(', ')}, got ${visible(JSON.stringify(compression))}`)
  }
  return sendCommand({
    project: required(values, 'project'),
    endpoint: required(values, 'endpoint'),
    logstore: required(values, 'logstore'),
    topic: values.topic,
    source: values.source,
    tags,
    compression: compression as CompressionName,
    file: positionals[0] ?? '-',
    credentials: envCredentials(),
  })
}

const COMMANDS: Record<Command, (args: string[]) => Promise<number>> = { serve: runServe, send: runSend, demo: runDemo }

const isCommand = (name: string): name is Command => Object.hasOwn(COMMANDS, name)

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-v') {
    process.stdout.write(version() + '\n')
    return 0
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP.main + '\n')
    return 0
  }
  if (!isCommand(command)) {
    process.stderr.write(`unknown command ${visible(JSON.stringify(command))}\n\n${HELP.main}\n`)
    return 2
  }
  try {
    // Before anything else, help included: a secret typed as a flag is refused at once.
    refuseSecretFlags(rest)
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP[command] + '\n')
      return 0
    }
    return await COMMANDS[command](rest)
  } catch (e) {
    // A usage mistake gets the command's help; anything else, the message alone.
    const code = (e as { code?: unknown } | null | undefined)?.code
    const usage = e instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    const message = visible(e instanceof Error ? e.message : String(e))
    process.stderr.write(`sls-webtrack ${command}: ${message}\n${usage ? `\n${HELP[command]}\n` : ''}`)
    return usage ? 2 : 1
  }
}
