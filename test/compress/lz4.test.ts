// LZ4 block codec: our encoder against three independent decoders (the reference liblz4 through
// python-lz4, lz4_flex through lz4-napi, and our strict emulator decoder), the strict decoder's
// rejections, and the compression ratio against lz4js.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { uncompressSync } from 'lz4-napi'
import { afterAll, describe, expect, it } from 'vitest'
import { PYTHON } from '../../scripts/provision.mjs'
import { lz4, lz4Block } from '../../src/compress/lz4.js'
import { lz4BlockDecode } from '../../src/emulator/lz4-decode.js'
import { requireInstalled, skipWithout } from '../support/run.js'

// lz4js ships no types; only compressBlock is used.
const lz4js = createRequire(import.meta.url)('lz4js') as {
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number
}

// ---------------------------------------------------------------------------------------------
// One python process for the whole file. It writes 'R' once lz4 is imported. Request: u32
// rawSize, u32 length, block. Answer: u8 status (0 ok, 1 error), u32 length, then the decoded
// bytes or the error message.
const PY = PYTHON
const PY_SCRIPT = `
import sys, struct, lz4.block
r, w = sys.stdin.buffer, sys.stdout.buffer
w.write(b'R')
w.flush()
while True:
    h = r.read(8)
    if len(h) < 8:
        break
    raw, n = struct.unpack('<II', h)
    data = r.read(n)
    try:
        out, status = lz4.block.decompress(data, uncompressed_size=raw), 0
    except Exception as e:
        out, status = str(e).encode(), 1
    w.write(struct.pack('<BI', status, len(out)))
    w.write(out)
    w.flush()
`
type PyResult = { ok: true; data: Uint8Array } | { ok: false; error: string }

class PyDecoder {
  dead: Error | undefined
  private readonly child: ChildProcessWithoutNullStreams
  private buf: Buffer = Buffer.alloc(0)
  private readonly waiting: { resolve(r: PyResult): void; reject(e: Error): void }[] = []
  private stderr = ''
  /** Until python has written 'R' (lz4 imported). */
  private greeted = false

  constructor() {
    this.child = spawn(PY, ['-c', PY_SCRIPT])
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()))
    this.child.stdout.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d
      this.drain()
    })
    this.child.stdin.on('error', (e) => this.die(e))
    this.child.on('error', (e) => this.die(e))
    this.child.on('close', (code) => this.die(new Error(`${PY} exited with ${code}: ${this.stderr.trim()}`)))
  }

  decode(block: Uint8Array, rawSize: number): Promise<PyResult> {
    if (this.dead) return Promise.reject(this.dead)
    const head = Buffer.alloc(8)
    head.writeUInt32LE(rawSize, 0)
    head.writeUInt32LE(block.length, 4)
    this.child.stdin.write(Buffer.concat([head, block]))
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  close(): void {
    this.child.stdin.end()
  }

  private drain(): void {
    if (!this.greeted && this.buf.length) {
      this.greeted = true
      this.buf = this.buf.subarray(1)
    }
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32LE(1)
      if (this.buf.length < 5 + len) return
      const body = this.buf.subarray(5, 5 + len)
      const ok = this.buf[0] === 0
      this.buf = this.buf.subarray(5 + len)
      this.waiting.shift()?.resolve(ok ? { ok, data: new Uint8Array(body) } : { ok, error: body.toString() })
    }
  }

  private die(e: Error): void {
    this.dead ??= e
    for (const w of this.waiting.splice(0)) w.reject(this.dead)
  }
}

const py = new PyDecoder()
const skipPy = skipWithout('python3-lz4')
/** A test of the reference decoder: skipped without python3-lz4 outside CI; with CI=true it fails, saying what to install. */
function itPy(name: string, fn: () => Promise<void>): void {
  if (skipPy) it.skip(name, fn)
  else
    it(name, async () => {
      requireInstalled('python3-lz4')
      await fn()
    })
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/** Byte equality with a readable failure (toEqual on 300 KB arrays is slow and unreadable). */
function expectBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`)
  const i = Buffer.from(actual.buffer, actual.byteOffset, actual.length).compare(
    Buffer.from(expected.buffer, expected.byteOffset, expected.length),
  )
  if (i === 0) return
  let at = 0
  while (actual[at] === expected[at]) at++
  throw new Error(`${what}: first difference at byte ${at} of ${expected.length}`)
}

function napiDecode(block: Uint8Array, rawSize: number): Uint8Array {
  const buf = Buffer.alloc(4 + block.length)
  buf.writeUInt32LE(rawSize, 0)
  buf.set(block, 4)
  return new Uint8Array(uncompressSync(buf))
}

/** Decodes with our decoder and lz4-napi and checks the worst-case size bound. */
function roundTrip(input: Uint8Array): Uint8Array {
  const n = input.length
  const block = lz4Block(input)
  expect(block.length).toBeLessThanOrEqual(n + Math.floor(n / 255) + 16)
  expectBytes(lz4BlockDecode(block, n), input, 'lz4BlockDecode')
  expectBytes(napiDecode(block, n), input, 'lz4-napi')
  return block
}

/** xorshift32: deterministic bodies for sizes fast-check would be slow to generate. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 4294967296
  }
}

function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed)
  const a = new Uint8Array(n)
  for (let i = 0; i < n; i++) a[i] = (r() * 256) | 0
  return a
}

const PAGES = [
  '/',
  '/home',
  '/products/list',
  '/products/detail?id=1032',
  '/cart',
  '/checkout',
  '/account/settings',
  '/search?q=%E6%97%A5%E5%BF%97',
  '/help/faq',
]
const EVENTS = ['page_view', 'click', 'scroll', 'error', 'perf', 'custom']
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
]

const utf8 = (s: string) => new TextEncoder().encode(s)
const webTrackBody = (logs: object[]) =>
  utf8(JSON.stringify({ __topic__: 'web', __source__: 'browser', __logs__: logs, __tags__: { env: 'prod' } }))

/** A realistic web tracking body of about `size` bytes: the corpus for the ratio comparison. */
function jsonCorpus(size: number, seed: number): Uint8Array {
  const r = rng(seed)
  const pick = <T>(a: readonly T[]) => a[(r() * a.length) | 0]!
  const logs: object[] = []
  let len = 0
  for (let t = 1732540000; len < size;) {
    t += (r() * 5) | 0
    const log = {
      __time__: String(t),
      event: pick(EVENTS),
      page: pick(PAGES),
      referrer: `https://www.example.com${pick(PAGES)}`,
      ua: pick(UAS),
      uid: `u-${((r() * 100000) | 0).toString(16)}`,
      sid: Math.floor(r() * 1e12).toString(36),
      x: String((r() * 1920) | 0),
      y: String((r() * 1080) | 0),
      duration: String(Math.round(r() * 10000) / 10),
      message: r() < 0.1 ? `TypeError: Cannot read properties of undefined (reading '${pick(['id', 'name', 'length'])}')` : '',
    }
    logs.push(log)
    len += JSON.stringify(log).length + 1
  }
  return webTrackBody(logs)
}

// ---------------------------------------------------------------------------------------------
// Generators.

const WORDS = ['the', 'log', 'service', 'tracking', ' ', '\n', 'error', 'GET /index.html', '日志', '{"a":1}', 'aaaa', 'x']
const logArb = fc.record({
  __time__: fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }).map(String),
  event: fc.constantFrom(...EVENTS),
  page: fc.constantFrom(...PAGES),
  ua: fc.constantFrom(...UAS),
  uid: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: 4, maxLength: 12 }),
  message: fc.string({ maxLength: 60, unit: 'binary' }),
})

// Each: name, arbitrary, runs.
const GENERATORS: [string, fc.Arbitrary<Uint8Array>, number][] = [
  ['random bytes (incompressible)', fc.uint8Array({ maxLength: 4096 }), 150],
  ['0..20 bytes', fc.uint8Array({ maxLength: 20 }), 200],
  // A two-letter alphabet gives matches everywhere, also right at the end-of-block limits.
  ['0..48 bytes of a two-letter alphabet', fc.uint8Array({ min: 97, max: 98, maxLength: 48 }), 200],
  [
    'repetitive text',
    fc
      .tuple(
        fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 300 }),
        fc.uint8Array({ maxLength: 8 }),
      )
      .map(([words, times, tail]) => {
        const text = utf8(words.join('').repeat(times))
        const out = new Uint8Array(text.length + tail.length)
        out.set(text)
        out.set(tail, text.length)
        return out
      }),
    150,
  ],
  ['JSON web tracking bodies', fc.array(logArb, { minLength: 0, maxLength: 80 }).map(webTrackBody), 150],
  [
    'bodies over 64 KiB',
    fc
      .record({
        size: fc.integer({ min: 70_000, max: 300_000 }),
        seed: fc.integer(),
        kind: fc.constantFrom('json', 'random', 'far-repeat', 'mixed'),
      })
      .map(({ size, seed, kind }) => {
        if (kind === 'json') return jsonCorpus(size, seed)
        if (kind === 'random') return randomBytes(size, seed)
        const out = new Uint8Array(size)
        if (kind === 'far-repeat') {
          // Random data repeated at a distance over 65535: the only repeats are out of reach.
          const half = randomBytes(Math.max(65_600, size >> 1), seed)
          for (let i = 0; i < size; i += half.length) out.set(half.subarray(0, size - i), i)
        } else {
          // JSON with random runs mixed in.
          const json = jsonCorpus(size, seed)
          const r = rng(seed + 1)
          out.set(json.subarray(0, size))
          for (let i = 0; i + 512 <= size; i += 4096) out.set(randomBytes(512, seed + i), Math.min(i + ((r() * 2048) | 0), size - 512))
        }
        return out
      }),
    16,
  ],
]

// Inputs sized around the end-of-block rules: every length from 0 to 40 in five patterns.
const EDGE_CASES: Uint8Array[] = []
for (let n = 0; n <= 40; n++) {
  EDGE_CASES.push(new Uint8Array(n), utf8('ab'.repeat(n)).subarray(0, n), utf8('abcdefgh'.repeat(n)).subarray(0, n), randomBytes(n, n + 1))
  // A literal prefix, then a repeat that reaches the end.
  EDGE_CASES.push(Uint8Array.from({ length: n }, (_, i) => (i < n / 2 ? i : 7)))
}

// Hand-made blocks. withOffset(k): 'abcd', a match of 4 at offset k, then 13 literals: 21 bytes,
// valid for k = 1..4.
const withOffset = (offset: number) => Uint8Array.of(0x40, 97, 98, 99, 100, offset & 255, offset >> 8, 0xd0, ...utf8('0123456789abc'))
const MALFORMED: [string, Uint8Array, number, RegExp][] = [
  ['empty block', new Uint8Array(0), 0, /truncated/],
  ['offset before the start of the output', withOffset(5), 21, /offset 5 before the start/],
  ['literals past the raw size', withOffset(4), 3, /literals overflow the raw size 3/],
  // 'abcd', then a match of 4 + 15 + 100 bytes.
  ['match past the raw size', Uint8Array.of(0x4f, 97, 98, 99, 100, 1, 0, 100, 0x10, 49), 30, /match overflows the raw size 30/],
  ['output shorter than the raw size', withOffset(4), 22, /decoded 21 bytes, raw size is 22/],
  // 'abcd', a match of 9, 3 literals.
  ['match ending 3 bytes before the end', Uint8Array.of(0x45, 97, 98, 99, 100, 1, 0, 0x30, 49, 50, 51), 16, /last 5 bytes/],
  // 'abcd', a match of 4, 7 literals.
  ['match starting 11 bytes before the end', Uint8Array.of(0x40, 97, 98, 99, 100, 4, 0, 0x70, ...utf8('1234567')), 15, /last 12 bytes/],
  ['block ending with a match', Uint8Array.of(0x40, 97, 98, 99, 100, 4, 0), 8, /^lz4: /],
  ['trailing byte', Uint8Array.of(0, 0), 0, /^lz4: /],
]

// ---------------------------------------------------------------------------------------------

describe('lz4Block', () => {
  it('is the lz4 codec', () => {
    expect(lz4.name).toBe('lz4')
    const input = jsonCorpus(5000, 1)
    expect(lz4.compress(input)).toEqual(lz4Block(input))
  })

  it('encodes empty input as the single token 0x00', () => {
    expect(lz4Block(new Uint8Array(0))).toEqual(Uint8Array.of(0))
  })

  it('stores incompressible input as one literal run', () => {
    const input = randomBytes(100_000, 5)
    const block = roundTrip(input)
    // token + 0xff...: exactly 1 + ceil((n - 15 + 1) / 255) bytes of header.
    expect(block.length).toBe(input.length + 1 + Math.ceil((input.length - 15 + 1) / 255))
  })

  it('gives the same output for the same input, whatever came before', () => {
    const input = jsonCorpus(20_000, 2)
    const first = lz4Block(input)
    for (let i = 0; i < 5; i++) lz4Block(jsonCorpus(30_000, 10 + i))
    lz4Block(input.subarray(7))
    expect(lz4Block(input)).toEqual(first)
  })

  it('survives the hash table generation counter passing 2^31', () => {
    // 512 × 4 MiB of zeros moves the counter past 2^31, which forces one table reset.
    const input = jsonCorpus(20_000, 3)
    const before = lz4Block(input)
    const zeros = new Uint8Array(4 << 20)
    for (let i = 0; i < 520; i++) lz4Block(zeros)
    expect(lz4Block(input)).toEqual(before)
    roundTrip(input)
  })

  it('does not keep views on its scratch buffer', () => {
    const a = lz4Block(jsonCorpus(3000, 4))
    const copy = a.slice()
    lz4Block(randomBytes(3000, 4))
    expect(a).toEqual(copy)
    expect(a.byteLength).toBe(a.buffer.byteLength)
  })

  it('round-trips the end-of-block edge cases (lz4BlockDecode, lz4-napi)', () => {
    for (const input of EDGE_CASES) roundTrip(input)
  })

  for (const [name, arb, numRuns] of GENERATORS) {
    it(`round-trips ${name} (lz4BlockDecode, lz4-napi)`, () => {
      fc.assert(
        fc.property(arb, (input) => {
          roundTrip(input)
        }),
        { numRuns },
      )
    })
  }

  it('is never more than 1% larger than lz4js on a JSON log corpus', () => {
    const table = new Uint32Array(1 << 16)
    for (const size of [1000, 8000, 50_000, 200_000, 1_000_000]) {
      let ours = 0
      let theirs = 0
      for (let seed = 1; seed <= 5; seed++) {
        const body = jsonCorpus(size, seed * 7919)
        ours += lz4Block(body).length
        // lz4js needs a zeroed table per call (stale entries make it emit offset 0) and returns 0
        // for input it cannot shrink.
        table.fill(0)
        const dst = new Uint8Array(body.length + Math.ceil(body.length / 255) + 16)
        const k = lz4js.compressBlock(body, dst, 0, body.length, table)
        expect(k).toBeGreaterThan(0)
        theirs += k
      }
      expect(ours, `${size}-byte bodies`).toBeLessThanOrEqual(theirs * 1.01)
    }
  })
})

describe('lz4Block against the reference decoder (python lz4.block)', () => {
  afterAll(() => py.close())

  async function pyRoundTrip(input: Uint8Array): Promise<void> {
    const r = await py.decode(lz4Block(input), input.length)
    if (!r.ok) throw new Error(`python lz4.block.decompress rejected the block: ${r.error}`)
    expectBytes(r.data, input, 'python lz4.block')
  }

  itPy('decodes the end-of-block edge cases', async () => {
    for (const input of EDGE_CASES) await pyRoundTrip(input)
  })

  for (const [name, arb, numRuns] of GENERATORS) {
    itPy(`decodes ${name}`, async () => {
      await fc.assert(fc.asyncProperty(arb, pyRoundTrip), { numRuns })
    })
  }

  itPy('rejects the hand-made malformed blocks too: the emulator is no stricter than the service', async () => {
    // python-lz4 takes uncompressed_size as a capacity and returns shorter output as is.
    const accepts = async (block: Uint8Array, rawSize: number) => {
      const r = await py.decode(block, rawSize)
      return r.ok && r.data.length === rawSize
    }
    for (const [name, block, rawSize] of MALFORMED) expect(await accepts(block, rawSize), name).toBe(false)
    // Except for offset 0, which liblz4 accepts (it copies bytes not yet written) and we reject.
    expect(await accepts(withOffset(0), 21)).toBe(true)
  })

  itPy('agrees with lz4BlockDecode on damaged blocks: what we accept, it accepts the same', async () => {
    let accepted = 0
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ min: 97, max: 100, minLength: 13, maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: -2, max: 2 }),
        async (input, where, value, sizeDelta) => {
          const block = lz4Block(input)
          block[where % block.length] = value
          const rawSize = Math.max(0, input.length + sizeDelta)
          let ours: Uint8Array | undefined
          try {
            ours = lz4BlockDecode(block, rawSize)
          } catch (e) {
            expect(e).toBeInstanceOf(Error)
          }
          if (!ours) return
          accepted++
          const theirs = await py.decode(block, rawSize)
          if (!theirs.ok) throw new Error(`lz4BlockDecode accepted a block the reference rejects: ${theirs.error}`)
          expectBytes(ours, theirs.data, 'lz4BlockDecode vs python')
        },
      ),
      { numRuns: 300 },
    )
    // Otherwise the property above would hold vacuously.
    expect(accepted).toBeGreaterThan(10)
  })
})

describe('lz4BlockDecode rejects malformed blocks', () => {
  it('accepts the hand-made valid blocks', () => {
    expect(new TextDecoder().decode(lz4BlockDecode(withOffset(4), 21))).toBe('abcdabcd0123456789abc')
    expect(new TextDecoder().decode(lz4BlockDecode(withOffset(1), 21))).toBe('abcddddd0123456789abc')
    expect(lz4BlockDecode(Uint8Array.of(0), 0)).toEqual(new Uint8Array(0))
  })

  for (const [name, block, rawSize, message] of MALFORMED) {
    it(`rejects: ${name}`, () => {
      expect(() => lz4BlockDecode(block, rawSize)).toThrow(message)
    })
  }

  it('rejects offset 0, which liblz4 lets through', () => {
    expect(() => lz4BlockDecode(withOffset(0), 21)).toThrow(/offset 0/)
    expect(() => lz4BlockDecode(withOffset(65535), 21)).toThrow(/before the start/)
  })

  it('rejects a raw size that is not a length', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => lz4BlockDecode(withOffset(4), bad)).toThrow(/invalid raw size/)
  })

  it('rejects a raw size no block of this length can reach, before allocating it', () => {
    expect(() => lz4BlockDecode(Uint8Array.of(0), 2 ** 40)).toThrow(/cannot decode/)
    expect(() => lz4BlockDecode(withOffset(4), 21 * 255 + 1)).toThrow(/cannot decode/)
  })

  it('rejects a real block with a trailing byte or a raw size off by one', () => {
    const input = jsonCorpus(2000, 9)
    const block = lz4Block(input)
    const longer = new Uint8Array(block.length + 1)
    longer.set(block)
    expect(() => lz4BlockDecode(longer, input.length)).toThrow(/^lz4: /)
    expect(() => lz4BlockDecode(block, input.length + 1)).toThrow(/^lz4: /)
    expect(() => lz4BlockDecode(block, input.length - 1)).toThrow(/^lz4: /)
  })

  it('rejects every truncation of a valid block', () => {
    fc.assert(
      fc.property(fc.array(logArb, { minLength: 1, maxLength: 20 }).map(webTrackBody), fc.nat(), (input, cut) => {
        const block = lz4Block(input)
        const short = block.subarray(0, cut % block.length)
        expect(() => lz4BlockDecode(short, input.length)).toThrow(/^lz4: /)
      }),
      { numRuns: 200 },
    )
  })

  it('either throws an Error or returns exactly rawSize bytes, on any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 5000 }), (block, rawSize) => {
        let out: Uint8Array | undefined
        try {
          out = lz4BlockDecode(block, rawSize)
        } catch (e) {
          expect(e).toBeInstanceOf(Error)
          return
        }
        expect(out.length).toBe(rawSize)
      }),
      { numRuns: 2000 },
    )
  })
})
