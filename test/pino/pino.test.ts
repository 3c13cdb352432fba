// sls-webtrack/pino with the real pino, in child processes: the transport runs in pino's worker
// thread (pino.transport), and the logs arrive at the emulator with their levels and child
// bindings, when the transport is ended and when the process exits right after its last log.
// The worker cannot be handed a `fetch`, so the target is a module of the test's own, as the
// guide says to write one: it calls createTransport with a fetch that reaches the emulator
// (Node's fetch cannot resolve `{project}.localhost`). esbuild bundles it from src/ into a
// temporary file; the published file, dist/pino.js, is the same entry built by tsup.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { spawnScript } from '../support/child-script.js'
import { root } from '../support/run.js'

let dir: string
let target: string
let emu: Emulator

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sls-webtrack-pino-'))
  target = join(dir, 'transport.mjs')
  await build({
    stdin: {
      contents: `import { createTransport } from ${JSON.stringify(join(root, 'src/pino/index.ts'))}
import { createForwardFetch } from ${JSON.stringify(join(root, 'src/emulator/forward-fetch.ts'))}
export default ({ forwardTo, ...options }) => createTransport({ ...options, fetch: createForwardFetch(forwardTo) })`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node18',
    outfile: target,
    logLevel: 'silent',
  })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
beforeEach(async () => {
  emu = await startEmulator({ logstores: ['app'] })
})
afterEach(() => emu.close())

/** A child script that makes a pino logger on the transport; `body` logs with it. */
function script(body: string, pinoOptions = '{ level: "trace" }'): string {
  return `import pino from ${JSON.stringify(join(root, 'node_modules/pino/pino.js'))}
const transport = pino.transport({
  target: ${JSON.stringify(target)},
  options: { project: 'my-project', endpoint: ${JSON.stringify(emu.endpoint)}, logstore: 'app', forwardTo: 'http://127.0.0.1:${emu.port}', lingerMs: 60_000 },
})
const logger = pino(${pinoOptions}, transport)
${body}`
}

const logs = () => emu.logs().map((r) => r.log)

describe('pino transport, in pino’s worker thread', () => {
  it('levels, child bindings and objects arrive as logs when the transport is ended (end() waits for them)', async () => {
    const { status, out } = await spawnScript(
      script(`
logger.trace('t'); logger.debug('d'); logger.info('i'); logger.warn('w'); logger.error(new Error('e')); logger.fatal('f')
const child = logger.child({ requestId: 'r-1', user: { id: 7 } })
child.info({ cart: ['a', 'b'] }, 'checked out')
await new Promise((resolve) => transport.once('ready', resolve)) // the worker started
transport.on('finish', () => console.log('finished'))
transport.end()`),
    )
    expect(status, out).toBe(0)
    expect(out).toContain('finished') // end() returns once the worker has closed the tracker
    const got = logs()
    expect(got.map((l) => [l.level, l.msg])).toEqual([
      ['trace', 't'],
      ['debug', 'd'],
      ['info', 'i'],
      ['warn', 'w'],
      ['error', 'e'],
      ['fatal', 'f'],
      ['info', 'checked out'],
    ])
    expect(got[4]).toMatchObject({ err: expect.stringContaining('"type":"Error","message":"e","stack":"Error: e') })
    expect(got[6]).toEqual({
      __time__: expect.any(String),
      level: 'info',
      time: expect.stringMatching(/^\d{13}$/),
      pid: expect.stringMatching(/^\d+$/),
      hostname: expect.any(String),
      requestId: 'r-1',
      user: '{"id":7}',
      cart: '["a","b"]',
      msg: 'checked out',
    })
  })

  it('custom levels pass through by name', async () => {
    const { status, out } = await spawnScript(
      script(`logger.audit('who did what')`, '{ customLevels: { audit: 35 }, level: "info" }').replace(
        "logstore: 'app',",
        "logstore: 'app', levels: { audit: 35 },",
      ),
    )
    expect(status, out).toBe(0)
    expect(logs()).toEqual([expect.objectContaining({ level: 'audit', msg: 'who did what' })])
  })

  it('a process that exits by itself right after its last log: every log arrives', async () => {
    const { status, out } = await spawnScript(script(`for (let i = 0; i < 500; i++) logger.info({ i }, 'line')`))
    expect(status, out).toBe(0)
    expect(logs().map((l) => Number(l.i))).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })

  it('process.exit() right after the last log: pino ends the transport, and every log arrives', async () => {
    const { status, out } = await spawnScript(script(`for (let i = 0; i < 500; i++) logger.info({ i }, 'line')\nprocess.exit(0)`))
    expect(status, out).toBe(0)
    expect(logs().map((l) => Number(l.i))).toEqual(Array.from({ length: 500 }, (_, i) => i))
  })
})
