// Fault injection: a FIFO of counted faults (fail, drop, ackLoss), a counted or standing
// delay, and a stall gate (which a request whose client went away leaves at once). Everything
// is per instance and consumed one request at a time.
import { AUTH_ERROR_CODES, AUTH_ERROR_EXAMPLES, ERROR_CODES, ERROR_EXAMPLES, type AuthErrorCode } from '../../generated/spec.js'
import { checkOption, MAX_TIMER_MS } from '../check-option.js'
import { ValidationError } from '../errors.js'
import type { ErrorBody } from './rejection.js'
import type { Injection } from './types.js'

/** A fault to apply to one request. */
export type Fault =
  { kind: 'fail'; status: number; body: ErrorBody; headers: Record<string, string> } | { kind: 'drop' } | { kind: 'ackLoss' }

const OUT_OF_RANGE_MESSAGE = 'The post data time is out of range.'

/** A count of requests an injection applies to, checked as the client checks its options; a missing one is refused (as NaN). */
const count = (value: unknown, what: string): number => checkOption(`inject.${what}`, value ?? NaN, 0, 0, Infinity)

/** Holds the injected faults of one emulator. */
export class FaultPlan {
  #queue: { fault: Fault; remaining: number }[] = []
  #delay: { ms: number; remaining: number } | undefined
  #stalled = false
  #held: (() => void)[] = []

  /** Adds an injection; throws a `ValidationError` when it is malformed. */
  add(injection: Injection): void {
    const kinds = (['fail', 'drop', 'ackLoss', 'delayMs', 'stall'] as const).filter((key) => key in injection)
    if (kinds.length !== 1) {
      throw new ValidationError('inject', `give exactly one of fail, drop, ackLoss, delayMs, stall (got ${kinds.join(', ') || 'none'})`)
    }
    if ('stall' in injection) {
      this.#stalled = injection.stall
      if (!injection.stall) this.releaseAll()
    } else if ('delayMs' in injection) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- `{ delayMs: undefined }` from JavaScript is refused, not read as 0
      const ms = checkOption('inject.delayMs', injection.delayMs ?? NaN, 0, 0, MAX_TIMER_MS, ' ms')
      const remaining = checkOption('inject.count', injection.count, Infinity, 0, Infinity)
      this.#delay = ms > 0 && remaining > 0 ? { ms, remaining } : undefined
    } else if ('fail' in injection) {
      const errorCode = injection.errorCode ?? 'InternalServerError'
      // The signed write's authentication codes too, with their documented examples.
      const example =
        (ERROR_EXAMPLES as Record<string, { status: number; errorMessage: string } | undefined>)[errorCode] ??
        (AUTH_ERROR_CODES.includes(errorCode as AuthErrorCode) ? AUTH_ERROR_EXAMPLES[errorCode as AuthErrorCode] : undefined)
      if (!example) {
        throw new ValidationError(
          'inject.errorCode',
          `must be one of the spec's codes (${[...ERROR_CODES, ...AUTH_ERROR_CODES].join(', ')}), got ${JSON.stringify(errorCode)}`,
        )
      }
      const status = checkOption('inject.status', injection.status, example.status, 400, 599)
      const errorMessage = injection.errorMessage ?? (status === 499 ? OUT_OF_RANGE_MESSAGE : example.errorMessage)
      this.#push(
        { kind: 'fail', status, body: { errorCode, errorMessage }, headers: { ...injection.headers } },
        count(injection.fail, 'fail'),
      )
    } else if ('drop' in injection) {
      this.#push({ kind: 'drop' }, count(injection.drop, 'drop'))
    } else {
      this.#push({ kind: 'ackLoss' }, count(injection.ackLoss, 'ackLoss'))
    }
  }

  #push(fault: Fault, remaining: number): void {
    if (remaining > 0) this.#queue.push({ fault, remaining })
  }

  /** Consumes the fault and the delay for one request. */
  take(): { fault: Fault | undefined; delayMs: number } {
    const head = this.#queue[0]
    if (head && --head.remaining === 0) this.#queue.shift()
    const delay = this.#delay
    if (delay && --delay.remaining === 0) this.#delay = undefined
    return { fault: head?.fault, delayMs: delay?.ms ?? 0 }
  }

  /**
   * Resolves when the request may proceed: `'open'` at once when no stall is in force,
   * `'released'` when the stall is released (or the emulator closes), `'gone'` as soon as
   * `gone` aborts while the request is held (its client went away: it leaves the hold).
   */
  gate(gone: AbortSignal): Promise<'open' | 'released' | 'gone'> {
    if (!this.#stalled) return Promise.resolve('open')
    if (gone.aborted) return Promise.resolve('gone')
    return new Promise((resolve) => {
      const release = () => {
        gone.removeEventListener('abort', leave)
        resolve('released')
      }
      const leave = () => {
        this.#held = this.#held.filter((held) => held !== release)
        resolve('gone')
      }
      gone.addEventListener('abort', leave, { once: true })
      this.#held.push(release)
    })
  }

  /** Releases every held request in arrival order (the stall itself stays as set). */
  releaseAll(): void {
    const held = this.#held
    this.#held = []
    for (const release of held) release()
  }

  /** Forgets queued faults and the delay; the stall stays. */
  reset(): void {
    this.#queue = []
    this.#delay = undefined
  }
}
