import { Writable } from 'node:stream'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { requestIdFor } from './logging.ts'
import { RequestCompletion, LazyRequestLogger, withLazyChildren } from './request-logger.ts'

function appAt (level: string) {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  // pino children made: one per request that writes a line, none for a quiet one.
  let children = 0
  const logger = withLazyChildren(pino({ level, onChild: () => { children++ } }, stream))
  const app = Fastify({ loggerInstance: logger, genReqId: requestIdFor, logController: new RequestCompletion() })
  const loggers: FastifyBaseLogger[] = []
  app.get('/quiet', async (request) => {
    loggers.push(request.log)
    request.log.info('routine detail')
    return { ok: true }
  })
  app.get('/loud', async (request) => {
    loggers.push(request.log)
    request.log.warn({ reason: 'odd' }, 'something odd')
    request.log.child({ step: 'inner' }).warn('from a child')
    return { ok: true }
  })
  return { app, lines, loggers, children: () => children }
}

describe('request logging', () => {
  it('makes no child logger for a request that writes no line at an enabled level', async () => {
    const { app, lines, loggers, children } = appAt('warn')
    await app.ready()
    const before = children()
    expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200)
    expect(loggers[0]).toBeInstanceOf(LazyRequestLogger)
    expect(children()).toBe(before)
    expect(lines).toEqual([])
  })

  it('writes the lines a request does log with its request id, its children included', async () => {
    const { app, lines, children } = appAt('warn')
    await app.ready()
    const before = children()
    await app.inject({ url: '/loud', headers: { 'x-request-id': 'req-42' } })
    // The request's own child, and the one it made.
    expect(children()).toBe(before + 2)
    expect(lines).toMatchObject([
      { level: 40, reqId: 'req-42', reason: 'odd', msg: 'something odd' },
      { level: 40, reqId: 'req-42', step: 'inner', msg: 'from a child' }
    ])
  })

  it('leaves one line per request when it ends, with method, URL, status and time', async () => {
    const { app, lines } = appAt('info')
    await app.inject({ url: '/quiet?x=1', headers: { 'x-request-id': 'req-7' } })
    await app.inject({ url: '/missing' })
    const completed = lines.filter((l) => l.msg === 'request completed')
    expect(completed).toHaveLength(2)
    expect(completed[0]).toMatchObject({ reqId: 'req-7', req: { method: 'GET', url: '/quiet?x=1' }, res: { statusCode: 200 } })
    expect(typeof completed[0]?.responseTime).toBe('number')
    expect(completed[1]).toMatchObject({ res: { statusCode: 404 } })
    expect(lines.some((l) => l.msg === 'incoming request')).toBe(false)
    expect(lines.filter((l) => l.msg === 'routine detail')).toMatchObject([{ reqId: 'req-7' }])
  })

  it('follows a level set on the request logger', async () => {
    const { app, lines } = appAt('warn')
    app.addHook('onRequest', (request, _reply, done) => {
      request.log.level = 'info'
      done()
    })
    await app.inject({ url: '/quiet' })
    expect(lines.map((l) => l.msg)).toContain('routine detail')
  })
})
