// Waits for a condition with a deadline; never a bare sleep in a test.

export async function until (predicate: () => Promise<boolean>, deadlineMs: number, stepMs = 10): Promise<number> {
  const start = Date.now()
  while (!(await predicate())) {
    if (Date.now() - start > deadlineMs) throw new Error(`condition not met within ${deadlineMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
  return Date.now() - start
}
