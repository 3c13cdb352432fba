// Where the CLI's credentials come from: the environment only. A flag would land in the shell's
// history and in `ps` output for every user of the machine to read, so a flag that looks like
// one is refused before anything runs, and no message ever repeats a value.
import type { SignCredentials } from '../sign/index.js'
import { UsageError } from './flags.js'

/** The variables read, as the help and the guide name them. */
export const ENV = {
  id: 'SLS_ACCESS_KEY_ID',
  secret: 'SLS_ACCESS_KEY_SECRET',
  token: 'SLS_SECURITY_TOKEN',
} as const

const USE_ENV = `set ${ENV.id}, ${ENV.secret} and, for STS temporary credentials, ${ENV.token} in the environment`

// Flag names people reach for when they mean a key, a secret or a token.
const SECRET_FLAG =
  /^--?(access[-_]?key([-_]?(id|secret))?|access[-_]?secret|secret([-_]?(access[-_]?)?key)?|security[-_]?token|sts[-_]?token|token|ak|sk|password|credentials)$/i

/**
 * Refuses any flag that would carry a credential, naming the flag (never its value).
 * @throws UsageError
 */
export function refuseSecretFlags(args: readonly string[]): void {
  for (const arg of args) {
    if (arg === '--') return
    const name = arg.split('=', 1)[0]!
    if (SECRET_FLAG.test(name)) {
      throw new UsageError(`${name}: credentials are never taken from flags, which land in shell history; ${USE_ENV}`)
    }
  }
}

/**
 * The credentials in the environment, or `undefined` when none are set. Half a pair, or a
 * token without a pair, is a usage error that names the variables, never their values.
 * @throws UsageError
 */
export function envCredentials(env: NodeJS.ProcessEnv = process.env): SignCredentials | undefined {
  // An empty variable counts as unset (`SLS_SECURITY_TOKEN= sls-webtrack send …`).
  const read = (name: string) => (env[name] === '' ? undefined : env[name])
  const accessKeyId = read(ENV.id)
  const accessKeySecret = read(ENV.secret)
  const securityToken = read(ENV.token)
  if (!accessKeyId && !accessKeySecret && !securityToken) return undefined
  if (!accessKeyId || !accessKeySecret) {
    const missing = [!accessKeyId && ENV.id, !accessKeySecret && ENV.secret].filter(Boolean).join(' and ')
    throw new UsageError(`${missing} not set: ${USE_ENV}`)
  }
  return securityToken ? { accessKeyId, accessKeySecret, securityToken } : { accessKeyId, accessKeySecret }
}

/**
 * The credentials in the environment, which must be set.
 * @throws UsageError
 */
export function requiredEnvCredentials(flag: string, env: NodeJS.ProcessEnv = process.env): SignCredentials {
  const credentials = envCredentials(env)
  if (!credentials) throw new UsageError(`${flag}: no credentials in the environment; ${USE_ENV}`)
  return credentials
}
