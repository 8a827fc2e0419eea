// Child processes for tests that run the real thing: collect output, wait for a line, stop on demand.
import { type ChildProcess, spawn } from 'node:child_process'

export interface RunningProcess {
  child: ChildProcess
  stdout (): string
  stderr (): string
  /** Resolves when stdout+stderr match `pattern`; rejects if the process exits or the deadline passes. */
  waitFor (pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  exited: Promise<number | null>
}

export function startProcess (command: string, args: string[], options: { cwd: string, env: NodeJS.ProcessEnv }): RunningProcess {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString(); for (const l of listeners) l() })
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); for (const l of listeners) l() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { resolve(code); for (const l of listeners) l() }))
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor (pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${pattern}\nstdout: ${out}\nstderr: ${err}`)) }, timeoutMs)
        const check = (): void => {
          const match = pattern.exec(out + err)
          if (match) {
            clearTimeout(timer)
            listeners.delete(check)
            resolve(match)
          } else if (child.exitCode !== null) {
            clearTimeout(timer)
            listeners.delete(check)
            reject(new Error(`process exited (${child.exitCode}) before ${pattern}\nstdout: ${out}\nstderr: ${err}`))
          }
        }
        listeners.add(check)
        check()
      })
    }
  }
}
