// The journal on a real file: what a reopened file holds, the lock between processes, a torn
// tail and damage met at open, compaction, and a writer killed with SIGKILL at seeded points.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { FileJournal } from '../../src/persist/file-journal.js'
import { JournalError } from '../../src/persist/errors.js'
import { applyRecord, emptyState, encodeJournal, encodeRecord, type JournalRecord, type JournalState } from '../../src/persist/journal.js'
import { BATCH, journalOps } from '../fixtures/journal-ops.js'
import { root } from '../support/run.js'

const dir = mkdtempSync(join(tmpdir(), 'sls-journal-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const newPath = () => join(dir, `j${files++}.journal`)

/** A state as plain data, topics sorted: two states hold the same queues when these are equal. */
const queues = (state: JournalState) =>
  JSON.stringify({
    topics: [...state.topics].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, logs]) => [t, [...logs.values()]]),
    nextSeq: state.nextSeq,
  })

/** The state `records` describe, applied in order. */
function replay(records: readonly JournalRecord[]): JournalState {
  const state = emptyState()
  for (const r of records) applyRecord(state, r)
  return state
}

/** Opens, reads `state`, closes. */
async function reopen(path: string): Promise<JournalState> {
  const journal = FileJournal.open(path)
  await journal.close()
  return journal.state
}

/** A child running test/fixtures/journal-writer.ts on `path`, its stdout lines passed to `onLine`. */
function writer(path: string, args: string[], onLine: (line: string, child: ChildProcessWithoutNullStreams) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}test/fixtures/journal-writer.ts`, path, ...args], {
    cwd: root,
    timeout: 60_000,
  })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => {
    out += String(d)
    const lines = out.split('\n')
    out = lines.pop()!
    for (const line of lines) onLine(line, child)
  })
  child.stderr.on('data', (d: Buffer) => (err += String(d)))
  const exit = new Promise<{ signal: NodeJS.Signals | null; err: string }>((resolve) =>
    child.on('close', (_, signal) => resolve({ signal, err })),
  )
  return { child, exit }
}

describe('FileJournal', () => {
  it('keeps what was pushed and not acknowledged, in order, across a reopen; the file is its owner’s only', async () => {
    const path = newPath()
    const journal = FileJournal.open(path)
    for (let i = 0; i < 10; i++) expect(journal.push(i % 2 ? 'odd' : 'even', `{"i":${i}}`, 1000 + i)).toBe(i)
    journal.ack('even', 4)
    journal.ack('odd', [3, 7])
    await journal.close()
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(existsSync(`${path}.lock`)).toBe(false)
    const state = await reopen(path)
    expect([...state.topics.get('even')!.values()].map((log) => [log.seq, log.json, log.at])).toEqual([
      [6, '{"i":6}', 1006],
      [8, '{"i":8}', 1008],
    ])
    expect([...state.topics.get('odd')!.keys()]).toEqual([1, 5, 9])
    // Seqs go on from where they stopped.
    const again = FileJournal.open(path)
    expect(again.push('odd', '{}')).toBe(10)
    await again.close()
  })

  it('checks its options before touching a file', () => {
    const path = newPath()
    expect(() => FileJournal.open(path, { compactRatio: 1 })).toThrow('compactRatio: must be a number from 1.5 to Infinity times, got 1')
    expect(existsSync(path) || existsSync(`${path}.lock`)).toBe(false)
  })

  it('refuses a second opener, naming the file and the process that holds it', async () => {
    const path = newPath()
    const first = FileJournal.open(path)
    const error = (() => {
      try {
        FileJournal.open(path)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(JournalError)
    expect(error).toMatchObject({ code: 'locked', path, pid: process.pid })
    expect((error as Error).message).toBe(
      `journal ${JSON.stringify(path)} is in use by process ${process.pid} (lock file ${JSON.stringify(`${path}.lock`)}): one process per journal; if process ${process.pid} does not use it, remove the lock file`,
    )
    await first.close()
    await FileJournal.open(path).close()
  })

  it('refuses while another process holds the file, and takes the lock over once that process is killed', async () => {
    const path = newPath()
    const holder = writer(path, ['hold'], (line) => line === 'ready' && ready())
    let ready!: () => void
    await new Promise<void>((resolve) => (ready = resolve))
    expect(() => FileJournal.open(path)).toThrow(`is in use by process ${holder.child.pid}`)
    holder.child.kill('SIGKILL')
    expect((await holder.exit).signal).toBe('SIGKILL')
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${holder.child.pid}\n`) // left behind by the kill
    const journal = FileJournal.open(path)
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(`${process.pid}\n`)
    await journal.close()
  })

  it('takes over a stale lock: one whose process does not exist', async () => {
    const path = newPath()
    // The PID of a process that has exited.
    const gone = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => gone.on('close', resolve))
    writeFileSync(`${path}.lock`, `${gone.pid}\n`)
    const journal = FileJournal.open(path)
    journal.push('t', '{}')
    await journal.close()
    expect(existsSync(`${path}.lock`)).toBe(false)
    expect(readdirSync(dir).filter((f) => f.startsWith(`${path.split('/').pop()}.lock`))).toEqual([])
  })

  it('truncates a torn tail at open: the whole records stay, and appending goes on after them', async () => {
    const path = newPath()
    const records: JournalRecord[] = [
      { kind: 'push', topic: 't', seq: 0, at: 5, json: '{"a":1}' },
      { kind: 'push', topic: 't', seq: 1, at: 6, json: '{"a":2}' },
    ]
    const whole = encodeJournal(records)
    writeFileSync(path, whole)
    appendFileSync(path, encodeRecord({ kind: 'push', topic: 't', seq: 2, at: 7, json: '{"a":3}' }).subarray(0, 20))
    const journal = FileJournal.open(path)
    expect(statSync(path).size).toBe(whole.length)
    expect(queues(journal.state)).toBe(queues(replay(records)))
    journal.push('t', '{"a":4}', 8)
    await journal.close()
    expect(queues(await reopen(path))).toBe(queues(replay([...records, { kind: 'push', topic: 't', seq: 2, at: 8, json: '{"a":4}' }])))
  })

  it('refuses a damaged file, naming the byte; with repair, keeps a copy and the records before the damage', async () => {
    const path = newPath()
    const first: JournalRecord = { kind: 'push', topic: 't', seq: 0, at: 5, json: '{"a":1}' }
    const bytes = encodeJournal([first, { kind: 'push', topic: 't', seq: 1, at: 6, json: '{"a":2}' }])
    const at = encodeJournal([first]).length
    bytes[at + 12]! ^= 1
    writeFileSync(path, bytes)
    expect(() => FileJournal.open(path)).toThrow(
      `journal ${JSON.stringify(path)} is damaged at byte ${at}: its payload does not match its checksum. The ${at} bytes before it are whole; open it with { repair: true } to keep them and drop the rest (the file is copied aside first)`,
    )
    expect(readFileSync(path)).toEqual(Buffer.from(bytes)) // untouched
    expect(existsSync(`${path}.lock`)).toBe(false)
    const journal = FileJournal.open(path, { repair: true })
    await journal.close()
    expect(queues(journal.state)).toBe(queues(replay([first])))
    const copy = readdirSync(dir).find((f) => f.startsWith(`${path.split('/').pop()}.corrupt-`))!
    expect(readFileSync(join(dir, copy))).toEqual(Buffer.from(bytes))
  })

  it('compacts a file grown past its live logs, keeping exactly them, in order; a dead compaction’s file is removed at open', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.nat(100), fc.boolean()), { minLength: 100, maxLength: 300 }), async (ops) => {
        const path = newPath()
        const journal = FileJournal.open(path, { compactMinBytes: 512, compactRatio: 2, now: () => 0 })
        const written: JournalRecord[] = []
        for (const [t, n, ack] of ops) {
          const topic = `t${t}`
          if (ack) {
            const logs = [...(journal.state.topics.get(topic)?.keys() ?? [])]
            written.push({ kind: 'ack', topic, upTo: logs[n % (logs.length + 1)] ?? -1 })
            journal.ack(topic, logs[n % (logs.length + 1)] ?? -1)
          } else
            written.push({ kind: 'push', topic, seq: journal.push(topic, JSON.stringify({ n }), n), at: n, json: JSON.stringify({ n }) })
          if (n % 7 === 0) await journal.flush()
        }
        await journal.close()
        expect(journal.size).toBeLessThanOrEqual(Math.max(512, 2 * journal.state.liveBytes))
        expect(queues(journal.state)).toBe(queues(replay(written)))
        writeFileSync(`${path}.compact`, 'a compaction that died before its rename')
        expect(queues(await reopen(path))).toBe(queues(replay(written)))
        expect(existsSync(`${path}.compact`)).toBe(false)
      }),
      { numRuns: 30 },
    )
  })
})

describe('FileJournal under SIGKILL', () => {
  // Seeded kill points: after the child reports batch `b` written, while it writes the next.
  let seed = 0x13
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
  const kills = new Set<number>()
  while (kills.size < 10) kills.add(next() % 150)

  /** The queues after each prefix of the writer's records: `prefixes[i]` after the first i + 1. */
  const ops = journalOps(4000)
  const prefixes = (() => {
    const state = emptyState()
    return ops.map((op) => {
      applyRecord(state, op)
      return queues(state)
    })
  })()

  it.each([...kills])('killed after batch %i: the file opens as a prefix of what was written, at least that batch', async (batch) => {
    const path = newPath()
    const run = writer(path, [], (line, child) => line === String(batch) && child.kill('SIGKILL'))
    const { signal, err } = await run.exit
    expect(err).toBe('')
    expect(signal).toBe('SIGKILL')
    const journal = FileJournal.open(path) // its lock is stale; a torn tail is truncated; damage would throw
    const recovered = queues(journal.state)
    const from = (batch + 1) * BATCH
    expect(prefixes.slice(from - 1).includes(recovered)).toBe(true)
    // And it goes on: a push lands after what was recovered.
    const seq = journal.push('t0', '{"after":1}')
    await journal.close()
    expect([...(await reopen(path)).topics.get('t0')!.keys()].at(-1)).toBe(seq)
  })
})
