// Clock skew: devices have wrong clocks, and the service refuses a request whose signed time is
// more than 15 minutes from its own. The refusal tells the service's time: its `Date` header
// (which a browser shows a page only when the answer exposes it), else the time its message
// names ("... while server time is Mon, 03 Jan 2010 09:00:00 GMT."). The offset learnt is kept
// for every later request of the client.

/** The codes of a refusal for the request's time (the error-code page's editions differ). */
const TIME_CODES = ['RequestTimeExpired', 'RequestTimeTooSkewed']

/** A client's clock: the device's, corrected by what the service told. */
export interface Clock {
  /** Milliseconds added to the device's clock. */
  readonly offsetMs: number
  /** The corrected time. */
  now(): Date
  /** Sets the offset from the service's time, in ms since the epoch, as of now. */
  learn(serviceMs: number): void
}

/** A clock without correction yet. */
export function clock(deviceNow: () => number = Date.now): Clock {
  let offsetMs = 0
  return {
    get offsetMs() {
      return offsetMs
    },
    now: () => new Date(deviceNow() + offsetMs),
    learn(serviceMs) {
      offsetMs = serviceMs - deviceNow()
    },
  }
}

/**
 * The service's time, in ms since the epoch, when `response` refuses the request for its time
 * and says what time it is; otherwise `undefined`.
 */
export function serviceTime(response: Response, error: unknown): number | undefined {
  const { errorCode, errorMessage } = (error ?? {}) as { errorCode?: unknown; errorMessage?: unknown }
  if (response.status !== 400 || !TIME_CODES.includes(errorCode as string)) return undefined
  const named = /server time is ([^.]+GMT)/.exec(String(errorMessage))?.[1]
  const ms = Date.parse(response.headers.get('date') ?? named ?? '')
  return Number.isNaN(ms) ? undefined : ms
}
