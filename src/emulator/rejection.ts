// A refused request: the status and the `{errorCode, errorMessage}` body it is answered with.
import type { components } from '../../generated/schema.js'
import { ERROR_EXAMPLES, type ErrorCode } from '../../generated/spec.js'
import { reason } from '../errors.js'

/** The body of every error answer, as the spec types it. */
export type ErrorBody = components['schemas']['ErrorResponse']

/** Thrown while checking a request; the server answers with `status` and `body`. */
export class Rejection extends Error {
  override name = 'Rejection'
  readonly status: number
  readonly body: ErrorBody
  constructor(errorCode: ErrorCode, errorMessage: string, status: number = ERROR_EXAMPLES[errorCode].status) {
    super(`${status} ${errorCode}: ${errorMessage}`)
    this.status = status
    this.body = { errorCode, errorMessage }
  }
}

/** Throws a {@link Rejection}; for one-line checks. */
export function reject(errorCode: ErrorCode, errorMessage: string, status?: number): never {
  throw new Rejection(errorCode, errorMessage, status)
}

/** The 500 answer for an unexpected exception inside the emulator. */
export function internalError(cause: unknown): Rejection {
  return new Rejection('InternalServerError', `${ERROR_EXAMPLES.InternalServerError.errorMessage} (emulator: ${reason(cause)})`)
}
