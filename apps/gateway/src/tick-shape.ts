// Keeps one of Node's process.nextTick objects alive for the life of the process: imported first by the
// server, for its effect.
//
// Every response makes a few tick objects, all from one object literal in Node's nextTick, and V8 builds
// that literal fast only while its inline cache still knows the literal's shape. Measured here on Node 20:
// in five of six gateway starts the cache had lost it, and nextTick ran that literal through the V8 runtime
// for the rest of the process's life (a refused request cost some 21 % more instructions, 139 k against
// 115 k; the rate fell from about 31 k/s to 27 k/s). Likely cause: the cache holds the shape weakly, and a
// full garbage collection that finds no tick object alive frees it. With this one kept alive, six starts of
// six kept the fast path. It costs one small object and, at startup, an async hook enabled for one call.
import { createHook } from 'node:async_hooks'

/** What async_hooks hands an init hook for a tick: Node's own tick object. */
export interface TickObject {
  callback: () => void
}

// A speed-up, never a reason not to start: on a Node whose ticks are not TickObjects, nothing is kept.
function pinTickObject (): TickObject | undefined {
  let pinned: TickObject | undefined
  const hook = createHook({
    init (_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') pinned ??= resource as TickObject
    }
  })
  hook.enable()
  process.nextTick(() => {})
  hook.disable()
  return pinned
}

export const pinnedTickObject: TickObject | undefined = pinTickObject()
