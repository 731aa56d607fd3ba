/**
 * The per-invocation store the official Node.js runtime provides as
 * `globalThis.awslambda.InvokeStore` (the `@aws/lambda-invoke-store` package): Powertools and the
 * AWS SDK read the calling invocation's request id, X-Ray trace id and tenant id from it. The
 * package installs the global itself (unless `AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA` is set) and
 * reuses one a runtime already installed.
 *
 * One loop serves one invocation at a time, so the store's single-context form holds the current
 * one: set when the invocation starts, read by the handler, its detached work and its callbacks
 * until the next one. Concurrent invocations (Lambda Managed Instances) need the store's
 * async-context form entered around each invocation's fibers; that comes with the concurrent loops.
 *
 * @internal
 */
import { InvokeStore, InvokeStoreBase } from "@aws/lambda-invoke-store"
import type { Invocation } from "../../RuntimeApi.js"

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
 * Makes `invocation` the store's current one.
 *
 * @internal
 */
export const enter = (store: Store, invocation: Invocation): void => {
  store.run(
    {
      [keys.REQUEST_ID]: invocation.requestId,
      [keys.X_RAY_TRACE_ID]: invocation.traceId,
      [keys.TENANT_ID]: invocation.tenantId
    },
    noop
  )
}
