// `sls-webtrack demo` (and `npm run demo`): the main job end to end, offline. Starts the
// embedded emulator, sends 10 000 web-page logs over two topics through the public client with
// LZ4, and prints what the emulator stored.
import { startEmulator } from '../emulator/index.js'
import { createClient } from '../index.js'
import { webLogs } from './corpus.js'
import { bytes, logLine, plural } from './format.js'

/** Runs the demo; resolves with the exit code (0 when every log was stored exactly once). */
export async function demo(count = 10_000, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const emu = await startEmulator({ projects: ['demo-shop'], logstores: ['web'] })
  try {
    const client = createClient({
      project: 'demo-shop',
      endpoint: emu.endpoint,
      logstore: 'web',
      compression: 'lz4',
      source: 'sls-webtrack-demo',
      tags: { app: 'shop', env: 'demo' },
      fetch: emu.fetch,
    })
    const corpus = webLogs(count)
    out.write(`emulator at ${emu.endpoint}; sending ${plural(count, 'log')} over 2 topics with lz4 through createClient()\n\n`)
    const started = performance.now()
    let raw = 0
    let wire = 0
    const ids: string[] = []
    for (const topic of ['page_view', 'click'] as const) {
      const logs = corpus.filter((c) => c.topic === topic).map((c) => c.log)
      if (logs.length === 0) continue // a tiny --count may leave a topic empty
      const r = await client.send(logs, { topic })
      raw += r.rawBytes
      wire += r.wireBytes
      ids.push(...r.requestIds)
      out.write(
        `  ${topic.padEnd(10)} ${String(r.logs).padStart(6)} ${r.logs === 1 ? 'log ' : 'logs'} in ${plural(r.requests, 'request')}, ${bytes(r.rawBytes)} raw → ${bytes(r.wireBytes)} lz4\n`,
      )
    }
    const ms = performance.now() - started
    const stored = emu.logs()
    const perTopic = new Map<string, number>()
    for (const rec of stored) perTopic.set(rec.topic ?? '', (perTopic.get(rec.topic ?? '') ?? 0) + 1)
    out.write(`\nthe emulator stored ${plural(stored.length, 'log')}: ${[...perTopic].map(([t, n]) => `${t} ${n}`).join(', ')}\n`)
    out.write(`sample: ${logLine(stored[0]!)}\n`)
    out.write(`bytes: ${bytes(raw)} raw, ${bytes(wire)} on the wire (${((wire / raw) * 100).toFixed(1)}%)\n`)
    out.write(`requests: ${ids.length}, ids ${ids.join(' ')}\n`)
    out.write(`time: ${ms.toFixed(0)} ms (${Math.round((count / ms) * 1000)} logs/s)\n`)
    const ok = stored.length === count && emu.requests().every((r) => r.status === 200)
    out.write(ok ? '\nok: every log stored exactly once\n' : '\nFAILED: the emulator did not store every log exactly once\n')
    return ok ? 0 : 1
  } finally {
    await emu.close()
  }
}
