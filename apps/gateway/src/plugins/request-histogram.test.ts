import { describe, expect, it } from 'vitest'
import { Registry } from 'prom-client'
import { registerRequestHistogram } from './request-histogram.ts'

describe('registerRequestHistogram', () => {
  it('counts cumulative buckets, sum and count per method, route and status', async () => {
    const registry = new Registry()
    const histogram = registerRequestHistogram(registry, 'h_seconds', 'help')
    histogram.observe('GET', '/a', 200, 0.004)
    histogram.observe('GET', '/a', 200, 0.2)
    histogram.observe('POST', '/b', 401, 3)
    histogram.observe('POST', '/a', 200, 0.001)
    histogram.observe('GET', '/a', 500, 0.001)
    const text = await registry.metrics()
    expect(text).toContain('# TYPE h_seconds histogram')
    expect(text).toContain('h_seconds_bucket{method="GET",route="/a",status="200",le="0.0025"} 0')
    expect(text).toContain('h_seconds_bucket{method="GET",route="/a",status="200",le="0.005"} 1')
    expect(text).toContain('h_seconds_bucket{method="GET",route="/a",status="200",le="0.25"} 2')
    expect(text).toContain('h_seconds_bucket{method="GET",route="/a",status="200",le="+Inf"} 2')
    expect(text).toContain('h_seconds_count{method="GET",route="/a",status="200"} 2')
    expect(text).toContain('h_seconds_count{method="POST",route="/a",status="200"} 1')
    expect(text).toContain('h_seconds_count{method="GET",route="/a",status="500"} 1')
    expect(text).toContain('h_seconds_bucket{method="POST",route="/b",status="401",le="2.5"} 0')
    expect(text).toContain('h_seconds_bucket{method="POST",route="/b",status="401",le="+Inf"} 1')
    expect(text).toMatch(/h_seconds_sum\{method="GET",route="\/a",status="200"\} 0\.204/)
  })
})
