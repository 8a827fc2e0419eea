// Real Redis HA deployments on free ports, for the tests that run keygate against them: a Sentinel set
// (a primary, a replica, three sentinels) and a Cluster (three masters, three replicas). Each lives in a
// directory of its own, removed with it; the shared Redis is never touched.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { freePort } from './redis-server.ts'
import { until } from './until.ts'

const run = promisify(execFile)

interface Node { port: number, child: ChildProcess }

// A persistent node writes every command to its append-only file before answering, in a directory of its own,
// so that it can come back with what it held when it was killed.
async function startNode (args: string[], dir: string, options: { port?: number, persistent?: boolean } = {}): Promise<Node> {
  const port = options.port ?? await freePort()
  const persistence = options.persistent
    ? ['--dir', await mkdir(join(dir, `node-${port}`), { recursive: true }).then(() => join(dir, `node-${port}`)), '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--dir', dir, '--appendonly', 'no']
  const child = spawn('redis-server', [...args.map((a) => a.replace('PORT', String(port))), '--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence], { stdio: 'ignore' })
  await until(async () => {
    const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      await probe.connect()
      return (await probe.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      probe.disconnect()
    }
  }, 10_000, 50)
  return { port, child }
}

async function stopAll (nodes: Node[]): Promise<void> {
  await Promise.all(nodes.map(async ({ child }) => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
  }))
}

export interface SentinelSet {
  /** `host:port` of the sentinels, for KEYGATE_REDIS_SENTINELS. */
  sentinels: string
  name: string
  /** The port the primary listens on now. */
  primaryPort (): Promise<number>
  /** Kills the current primary (SIGKILL) and resolves once the sentinels promoted the replica. */
  killPrimary (): Promise<void>
  /** Starts the killed primary again on its port, with what it held when killed, and resolves once it follows the new primary. */
  restartOldPrimary (): Promise<void>
  stop (): Promise<void>
}

export async function startSentinelSet (): Promise<SentinelSet> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-sentinel-'))
  const name = 'kgprimary'
  const nodes: Node[] = []
  const primary = await startNode([], dir, { persistent: true })
  nodes.push(primary)
  nodes.push(await startNode(['--replicaof', '127.0.0.1', String(primary.port)], dir, { persistent: true }))
  let killed: number | undefined
  const sentinelPorts: number[] = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const conf = join(dir, `sentinel-${i}.conf`)
    await writeFile(conf, [
      `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`
    ].join('\n'))
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' })
    nodes.push({ port, child })
    sentinelPorts.push(port)
  }
  const sentinel = new Redis({ port: sentinelPorts[0] as number, lazyConnect: true })
  sentinel.on('error', () => {})
  await until(async () => { try { await sentinel.connect(); return true } catch { return false } }, 10_000, 50)
  const primaryPort = async (): Promise<number> => Number(((await sentinel.call('SENTINEL', 'get-master-addr-by-name', name)) as string[])[1])
  // Every sentinel sees the replica and the others before a test relies on a failover.
  await until(async () => {
    const replicas = await sentinel.call('SENTINEL', 'replicas', name) as unknown[]
    const peers = await sentinel.call('SENTINEL', 'sentinels', name) as unknown[]
    return replicas.length === 1 && peers.length === 2
  }, 20_000, 100)
  return {
    sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    name,
    primaryPort,
    async killPrimary () {
      const before = await primaryPort()
      killed = before
      await stopAll(nodes.filter((n) => n.port === before))
      await until(async () => (await primaryPort()) !== before, 20_000, 100)
    },
    async restartOldPrimary () {
      if (killed === undefined) throw new Error('no primary was killed')
      const node = await startNode([], dir, { port: killed, persistent: true })
      nodes.push(node)
      const probe = new Redis({ port: node.port })
      probe.on('error', () => {})
      try {
        await until(async () => /master_link_status:up/.test(await probe.info('replication')), 30_000, 100)
      } finally {
        probe.disconnect()
      }
    },
    async stop () {
      sentinel.disconnect()
      await stopAll(nodes)
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export interface RedisClusterSet {
  /** `host:port` of every node, for KEYGATE_REDIS_CLUSTER_NODES. */
  nodes: string
  /** Kills the master serving `key`'s slot and resolves once its replica took over. */
  killMasterOf (key: string): Promise<void>
  stop (): Promise<void>
}

export async function startRedisCluster (): Promise<RedisClusterSet> {
  const dir = await mkdtemp(join(tmpdir(), 'keygate-cluster-'))
  const nodes: Node[] = []
  for (let i = 0; i < 6; i++) {
    nodes.push(await startNode(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes-PORT.conf', '--cluster-node-timeout', '1000'], dir))
  }
  await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 })
  const probe = new Redis({ port: nodes[0]?.port as number })
  probe.on('error', () => {})
  // Ready once every master has its replica, so that a killed master is failed over.
  await until(async () => /cluster_state:ok/.test(await probe.cluster('INFO') as string) &&
    (await probe.cluster('SLOTS') as unknown[][]).every((range) => range.length >= 4), 30_000, 100)
  const masterOf = async (key: string): Promise<number> => {
    const slot = await probe.cluster('KEYSLOT', key) as number
    const slots = await probe.cluster('SLOTS') as unknown as Array<[number, number, [string, number]]>
    return slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1] as number
  }
  return {
    nodes: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    async killMasterOf (key) {
      const before = await masterOf(key)
      const survivor = new Redis({ port: nodes.find((n) => n.port !== before)?.port as number })
      survivor.on('error', () => {})
      await stopAll(nodes.filter((n) => n.port === before))
      await until(async () => {
        const slots = await survivor.cluster('SLOTS') as unknown as Array<[number, number, [string, number]]>
        const slot = await survivor.cluster('KEYSLOT', key) as number
        const owner = slots.find(([from, to]) => slot >= from && slot <= to)?.[2][1]
        return owner !== undefined && owner !== before && /cluster_state:ok/.test(await survivor.cluster('INFO') as string)
      }, 20_000, 100)
      survivor.disconnect()
    },
    async stop () {
      probe.disconnect()
      await stopAll(nodes)
      await rm(dir, { recursive: true, force: true })
    }
  }
}
