// sls-webtrack/winston with the real winston, in child processes: levels, metadata and child
// bindings arrive at the emulator; `logger.end()` waits until every log is settled; and a
// process that ends right after its last log sends them all first.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.js'
import { spawnScript } from '../support/child-script.js'
import { root } from '../support/run.js'

let emu: Emulator
beforeEach(async () => {
  emu = await startEmulator({ logstores: ['app'] })
})
afterEach(() => emu.close())

/** A child script with a winston logger on the transport; `body` logs with it. */
function script(body: string): string {
  return `import winston from ${JSON.stringify(join(root, 'node_modules/winston/lib/winston.js'))}
import { SlsTransport } from ${JSON.stringify(join(root, 'src/winston/index.ts'))}
import { createForwardFetch } from ${JSON.stringify(join(root, 'src/emulator/forward-fetch.ts'))}
const transport = new SlsTransport({ project: 'my-project', endpoint: ${JSON.stringify(emu.endpoint)}, logstore: 'app',
  fetch: createForwardFetch('http://127.0.0.1:${emu.port}'), lingerMs: 60_000 })
const logger = winston.createLogger({ level: 'silly', format: winston.format.combine(winston.format.timestamp(), winston.format.json()), transports: [transport] })
${body}`
}

const logs = () => emu.logs().map((r) => r.log)
const range = (n: number) => Array.from({ length: n }, (_, i) => i)

describe('winston transport', () => {
  it('levels, metadata and child bindings arrive; logger.end() finishes once every log is settled', async () => {
    const { status, out } = await spawnScript(
      script(`
for (const level of ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']) logger.log(level, level + ' message')
logger.child({ requestId: 'r-1', user: { id: 7 } }).info('checked out', { cart: ['a', 'b'] })
logger.on('finish', () => console.log('finished', JSON.stringify(transport.tracker.stats())))
logger.end()`),
    )
    expect(status, out).toBe(0)
    const stats = JSON.parse(/finished (.*)/.exec(out)![1]!) as { sent: number; queued: number }
    expect(stats).toMatchObject({ sent: 8, queued: 0 })
    const got = logs()
    expect(got.map((l) => [l.level, l.message])).toEqual([
      ['error', 'error message'],
      ['warn', 'warn message'],
      ['info', 'info message'],
      ['http', 'http message'],
      ['verbose', 'verbose message'],
      ['debug', 'debug message'],
      ['silly', 'silly message'],
      ['info', 'checked out'],
    ])
    expect(got[7]).toEqual({
      __time__: expect.any(String),
      level: 'info',
      message: 'checked out',
      requestId: 'r-1',
      user: '{"id":7}',
      cart: '["a","b"]',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
  })

  it('a process that ends by itself right after its last log: every log arrives', async () => {
    const { status, out } = await spawnScript(script(`for (let i = 0; i < 500; i++) logger.info('line', { i })`))
    expect(status, out).toBe(0)
    expect(logs().map((l) => Number(l.i))).toEqual(range(500))
  })

  it("process.exit() right after the last log, on the logger's finish: every log arrives", async () => {
    const { status, out } = await spawnScript(
      script(`for (let i = 0; i < 500; i++) logger.info('line', { i })
logger.on('finish', () => process.exit(0))
logger.end()`),
    )
    expect(status, out).toBe(0)
    expect(logs().map((l) => Number(l.i))).toEqual(range(500))
  })
})
