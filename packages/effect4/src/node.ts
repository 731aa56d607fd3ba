#!/usr/bin/env node
/**
 * The Effect 4 line's drop-in bootstrap for plain Node.js functions: importing (or running) this
 * module starts the runtime with the function named by `_HANDLER` in `LAMBDA_TASK_ROOT`, resolved
 * as the official Node.js runtime resolves it (`file.fn`, `dir/file.fn`, `file.a.b`; `.js`,
 * `.mjs`, `.cjs`; ESM and CommonJS). The function runs on this line's loop (Effect 4): `async
 * (event, context)` handlers, `awslambda.streamifyResponse` streaming handlers and, on Node 20
 * and 22, `(event, context, callback)` handlers; on Node 24 a callback handler fails init with
 * `Runtime.CallbackHandlerDeprecated`, as on Lambda's `nodejs24.x`. `context.detach(signal =>
 * promise)` runs a promise after the response and awaits it before the next invocation.
 *
 * The deployment is the Effect 3 line's: `Build.build({ dropIn: true })` bundles this bootstrap,
 * or a `bootstrap` script runs `node` on it.
 *
 * This module has no exports: importing it is starting the runtime. A TypeScript handler types
 * its `context` with `DropInContext` from `effect-lambda-runtime/DropIn`, a module of
 * types only.
 *
 * @since 1.0.0
 */
import { main } from "./internal/node/main.js"

main()
