/**
 * The per-invocation store the official Node.js runtime provides as
 * `globalThis.awslambda.InvokeStore` (the `@aws/lambda-invoke-store` package): Powertools and the
 * AWS SDK read the calling invocation's request id, X-Ray trace id and tenant id from it. The
 * package installs the global itself (unless `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is set) and
 * reuses one a runtime already installed.
 *
 * The package picks its form when it is first made: when `AWS_LAMBDA_MAX_CONCURRENCY` is in the
 * environment (Lambda Managed Instances) it is backed by an `AsyncLocalStorage`, and each
 * invocation's fibers run inside its context (each line of the runtime enters it); otherwise it holds one current
 * context, set when an invocation starts and read by its handler, detached work and callbacks
 * until the next one (one invocation at a time).
 *
 * @internal
 */
import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store"

/** What the store keeps of an invocation. */
type Invocation = {
  readonly requestId: string
  readonly traceId: string | undefined
  readonly tenantId: string | undefined
}

/** @internal */
export type Store = InvokeStoreBase

/**
 * The process's store (made once; the same instance for every runtime in the process).
 *
 * @internal
 */
export const make = (): Promise<Store> => InvokeStore.getInstanceAsync()

const keys = InvokeStoreBase.PROTECTED_KEYS
const noop = () => undefined

/**
 * The store's context of one invocation.
 *
 * @internal
 */
export const contextOf = (invocation: Invocation): Record<symbol, unknown> => ({
  [keys.REQUEST_ID]: invocation.requestId,
  [keys.X_RAY_TRACE_ID]: invocation.traceId,
  [keys.TENANT_ID]: invocation.tenantId
})

/**
 * Whether the store is the async-context form: a context `run` gave does not outlive the call.
 * Asked through the package's public methods rather than its class names, which a bundler may
 * rename.
 *
 * @internal
 */
export const isAsyncContext = (store: Store): boolean => {
  if (store.hasContext()) return false
  store.run({ [keys.REQUEST_ID]: "-" }, noop)
  return !store.hasContext()
}

/**
 * Makes `invocation` the current one of a single-context store.
 *
 * @internal
 */
export const enter = (store: Store, invocation: Invocation): void => {
  store.run(contextOf(invocation), noop)
}
