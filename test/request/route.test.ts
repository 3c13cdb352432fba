// Routing: the project and Logstore names and the endpoint, checked before any URL is built,
// and the base URL with the project as the host's first label. The messages are asserted by
// their key words (the expected form, the value given), not letter for letter: the name rules
// may move into the spec, and their words with them.
import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { checkLogstore, parseEndpoint, projectBaseUrl } from '../../src/request/route.js'

function refusal(f: () => unknown): ValidationError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return e as ValidationError
  }
  throw new Error('not refused')
}

const ORIGIN = 'https://cn-hangzhou.log.aliyuncs.com'

describe('project names (projectBaseUrl)', () => {
  it.each(['abc', 'my-project', 'a1b', '0-9', 'a'.repeat(63)])('accepts %j: the project becomes the first label of the host', (project) => {
    expect(projectBaseUrl(project, ORIGIN)).toBe(`https://${project}.cn-hangzhou.log.aliyuncs.com`)
  })

  it.each(['ab', 'a'.repeat(64), 'MyProject', '-abc', 'abc-', 'a_b', 'a.b', 'a b', '', 'abc/..', 'abc@evil.com'])(
    'refuses %j, saying the rule in words and showing the name',
    (project) => {
      const e = refusal(() => projectBaseUrl(project, ORIGIN))
      expect(e.path).toBe('project')
      expect(e.retryable).toBe(false)
      expect(e.message).toContain(JSON.stringify(project))
      expect(e.message).toMatch(/lowercase letters/)
      expect(e.message).toMatch(/3.63 characters/)
      expect(e.message).not.toMatch(/[\^$[\]]/) // no regex in the words
    },
  )

  it('a missing or non-string project says so', () => {
    expect(refusal(() => projectBaseUrl(undefined as never, ORIGIN)).message).toContain('not set')
    expect(refusal(() => projectBaseUrl(123 as never, ORIGIN)).path).toBe('project')
  })

  it('keeps the scheme and the port of the endpoint', () => {
    expect(projectBaseUrl('my-project', 'http://localhost:4318')).toBe('http://my-project.localhost:4318')
    expect(projectBaseUrl('my-project', 'https://log.example.com:8443')).toBe('https://my-project.log.example.com:8443')
  })

  it('an endpoint that already starts with the project (pasted twice) is refused, with the endpoint to use', () => {
    const e = refusal(() => projectBaseUrl('my-project', 'https://my-project.cn-hangzhou.log.aliyuncs.com'))
    expect(e.path).toBe('endpoint')
    expect(e.message).toContain('already starts with the project')
    expect(e.message).toContain(`use ${ORIGIN}`)
    // Another project in front is a different host, not a paste: it is not second-guessed.
    expect(projectBaseUrl('my-project', 'https://other.cn-hangzhou.log.aliyuncs.com')).toBe(
      'https://my-project.other.cn-hangzhou.log.aliyuncs.com',
    )
  })
})

describe('Logstore names (checkLogstore)', () => {
  it.each(['web', 'web_logs', 'web-logs', 'a_1', '0_0', 'a'.repeat(63)])('accepts %j', (name) => {
    expect(checkLogstore(name)).toBe(name)
  })

  it.each(['Web', 'ab', 'a'.repeat(64), '_ab', 'ab_', '-ab', 'a.b', 'a/b', '../x', ''])('refuses %j, saying the rule in words', (name) => {
    const e = refusal(() => checkLogstore(name))
    expect(e.path).toBe('logstore')
    expect(e.message).toContain(JSON.stringify(name))
    expect(e.message).toContain('underscores')
    expect(e.message).toMatch(/3.63 characters/)
  })

  it('a missing Logstore says so', () => {
    expect(refusal(() => checkLogstore(undefined)).message).toContain('not set')
    expect(refusal(() => checkLogstore(null)).path).toBe('logstore')
  })
})

describe('endpoints (parseEndpoint)', () => {
  it.each([
    ['cn-hangzhou.log.aliyuncs.com', ORIGIN],
    ['https://cn-hangzhou.log.aliyuncs.com', ORIGIN],
    ['https://cn-hangzhou.log.aliyuncs.com/', ORIGIN],
    ['HTTPS://CN-Hangzhou.Log.Aliyuncs.com', ORIGIN],
    ['cn-hangzhou-intranet.log.aliyuncs.com', 'https://cn-hangzhou-intranet.log.aliyuncs.com'],
    ['log.example.com:8443', 'https://log.example.com:8443'],
    ['localhost', 'https://localhost'],
    ['http://localhost:4318', 'http://localhost:4318'],
  ])('%j: a regional host (https implied) or a full URL gives its origin %j', (endpoint, origin) => {
    expect(parseEndpoint(endpoint)).toBe(origin)
  })

  const refused = (endpoint: unknown) => {
    const e = refusal(() => parseEndpoint(endpoint))
    expect(e.path).toBe('endpoint')
    // The expected form is in the message, whatever was wrong.
    expect(e.message).toContain('cn-hangzhou.log.aliyuncs.com')
    expect(e.message).toContain('http://localhost:4318')
    return e
  }

  it.each([
    '127.0.0.1',
    'http://127.0.0.1:4318',
    '10.0.0.1',
    'https://8.8.8.8',
    '[::1]',
    'http://[::1]:4318',
    'http://[2001:db8::1]',
    '0x7f.1',
    'my-project.127.0.0.1',
  ])('refuses the IP address %j (the project cannot go in front of it)', (endpoint) => {
    expect(refused(endpoint).message).toContain('no IP address')
  })

  it.each(['cn-hangzhou', 'http://cn-hangzhou:80', 'intranet'])('refuses %j, a host name without a dot (a region alone)', (endpoint) => {
    refused(endpoint)
  })

  it.each([
    'https://cn-hangzhou.log.aliyuncs.com/logstores/web',
    'https://cn-hangzhou.log.aliyuncs.com?x=1',
    'https://cn-hangzhou.log.aliyuncs.com#top',
    'https://user:secret@cn-hangzhou.log.aliyuncs.com',
    'https://evil.com\\@cn-hangzhou.log.aliyuncs.com',
    'ftp://cn-hangzhou.log.aliyuncs.com',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'https://',
    '',
    ' cn-hangzhou.log.aliyuncs.com',
  ])('refuses %j: a path, query, fragment, credentials or another scheme would change where logs go', (endpoint) => {
    const e = refused(endpoint)
    expect(e.message).toContain(JSON.stringify(endpoint))
  })

  it('a missing or non-string endpoint says so', () => {
    expect(refused(undefined).message).toContain('not set')
    refused(42)
    refused({ toString: () => 'cn-hangzhou.log.aliyuncs.com' })
  })

  it('an endpoint with the project pasted in parses, and projectBaseUrl then refuses it', () => {
    const origin = parseEndpoint('my-project.cn-hangzhou.log.aliyuncs.com')
    expect(refusal(() => projectBaseUrl('my-project', origin)).path).toBe('endpoint')
  })
})
