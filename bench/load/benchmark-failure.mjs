/** A failure the load benchmark explains in its message (a mode exited, answered 500, a service is down): printed without a stack. */
export class BenchmarkFailure extends Error {}
