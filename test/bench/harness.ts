// A tiny timing harness. Each comparison has one baseline and some candidates, all doing the
// same amount of work per call (`units`: bytes or logs). After a warm-up that also sizes the
// rounds, rounds of every subject alternate (the order rotates each round), so a slow patch of
// the machine hits all of them alike. A subject's figure is the median of its rounds; its ratio
// is the median, over rounds, of baseline time / subject time within the same round.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** One thing to time. `run` may return a promise (then every call is awaited). */
export interface Subject {
  readonly name: string
  readonly run: () => unknown
}

export interface Timing {
  /** Warm-up per subject, in ms (also sizes the rounds). */
  readonly warmupMs: number
  /** Rounds per subject. */
  readonly rounds: number
  /** Target duration of one round of one subject, in ms. */
  readonly roundMs: number
}

export interface Comparison {
  readonly baseline: Subject
  readonly candidates: readonly Subject[]
  /** Work done by one call of any subject (bytes, logs), for the throughput. */
  readonly units: number
  /** Called untimed after each subject's round (e.g. to empty a server's memory). */
  readonly between?: () => unknown
}

export interface Figure {
  readonly name: string
  readonly baseline: boolean
  /** Units per second, from the median round. */
  readonly rate: number
  /** Median over rounds of (baseline round time / this subject's round time); 1 for the baseline. */
  readonly ratio: number
  /** First and third quartiles of the per-round ratios: how far one round's ratio strays. */
  readonly ratioLow: number
  readonly ratioHigh: number
  /** Calls per round. */
  readonly calls: number
  readonly rounds: number
}

/** Timings for a full run and for a smoke run (correctness only; its figures mean little). */
export const FULL: Timing = { warmupMs: 300, rounds: 15, roundMs: 150 }
export const QUICK: Timing = { warmupMs: 5, rounds: 2, roundMs: 5 }

// Results go here, so that no call can be optimised away as unused.
export let sink: unknown // exported: a value only written would be flagged, and could be dropped

// A collection before each timed round keeps one subject's garbage from being collected on the
// next subject's time. `--expose-gc` set at run time, as `tsx` passes no V8 flags.
const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc')
    return runInNewContext('gc') as () => void
  } catch {
    return undefined
  }
})()

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | undefined)?.then === 'function'
}

/** Seconds taken by `calls` calls of `run`. */
async function time(run: () => unknown, calls: number, async: boolean): Promise<number> {
  const t0 = performance.now()
  if (async) for (let i = 0; i < calls; i++) sink = await run()
  else for (let i = 0; i < calls; i++) sink = run()
  return (performance.now() - t0) / 1000
}

/** The `q` quantile (0–1) of `xs`, interpolated between neighbours. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  const at = (s.length - 1) * q
  const lo = Math.floor(at)
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo)
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5)

/** Bytes in a set of buffers. */
export const totalBytes = (xs: readonly Uint8Array[]): number => xs.reduce((n, x) => n + x.length, 0)

/** Times the baseline and the candidates of one comparison; the baseline's figure comes first. */
export async function compare(c: Comparison, timing: Timing): Promise<Figure[]> {
  const subjects = [c.baseline, ...c.candidates]
  // Warm-up: run each subject for warmupMs (at least twice), learn whether it is asynchronous
  // and how many calls fill a round.
  const plan = []
  for (const s of subjects) {
    const first = s.run()
    const async = isThenable(first)
    sink = async ? await first : first
    let calls = 0
    let elapsed = 0
    const t0 = performance.now()
    while (calls < 2 || elapsed < timing.warmupMs) {
      sink = async ? await s.run() : s.run()
      calls++
      elapsed = performance.now() - t0
    }
    await c.between?.()
    plan.push({ subject: s, async, calls: Math.max(1, Math.round(timing.roundMs / (elapsed / calls))) })
  }
  // Rounds: subject i's round r comes at position (i + r) mod n, so none always goes first.
  const perCall: number[][] = subjects.map(() => [])
  for (let r = 0; r < timing.rounds; r++) {
    for (let k = 0; k < plan.length; k++) {
      const i = (k + r) % plan.length
      const p = plan[i]!
      gc?.()
      perCall[i]!.push((await time(p.subject.run, p.calls, p.async)) / p.calls)
      await c.between?.()
    }
  }
  const base = perCall[0]!
  return plan.map((p, i) => {
    const rounds = perCall[i]!
    const ratios = rounds.map((t, r) => base[r]! / t)
    return {
      name: p.subject.name,
      baseline: i === 0,
      rate: c.units / median(rounds),
      ratio: median(ratios),
      ratioLow: quantile(ratios, 0.25),
      ratioHigh: quantile(ratios, 0.75),
      calls: p.calls,
      rounds: rounds.length,
    }
  })
}

/** Whether `--expose-gc` could be set (reported with the machine). */
export const collectsBetweenRounds = gc !== undefined
