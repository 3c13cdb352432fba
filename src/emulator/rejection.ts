// A refused request: the status and the `{errorCode, errorMessage}` body it is answered with.
import type { components } from '../../generated/schema.js'
import { ERROR_EXAMPLES, type AuthErrorCode, type ErrorCode } from '../../generated/spec.js'
import { reason } from '../errors.js'

/** The body of every error answer, as the spec types it (the signed write's codes included). */
export type ErrorBody = components['schemas']['SignedErrorResponse']

/** Thrown while checking a request; the server answers with `status` and `body`. */
export class Rejection extends Error {
  override name = 'Rejection'
  readonly status: number
  readonly body: ErrorBody
  // An authentication code (the signed write's) always comes with its status.
  constructor(errorCode: ErrorCode | AuthErrorCode, errorMessage: string, status: number = ERROR_EXAMPLES[errorCode as ErrorCode].status) {
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
