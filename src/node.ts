#!/usr/bin/env node
/**
 * The drop-in bootstrap for plain Node.js functions: importing (or running) this module
 * starts the runtime with the function named by `_HANDLER` in `LAMBDA_TASK_ROOT`, resolved
 * as the official Node.js runtime resolves it (`file.fn`, `dir/file.fn`, `file.a.b`; `.js`,
 * `.mjs`, `.cjs`; ESM and CommonJS). `async (event, context)` handlers run unchanged, on this
 * runtime's loop, with its error documents, logs, SIGTERM handling and emulator;
 * `context.detach(signal => promise)` runs a promise after the response and awaits it before the
 * next invocation. The rules follow the Node line, as Lambda's managed runtimes: on Node 20 and 22
 * (`nodejs22.x`) `(event, context, callback)` handlers run too; on Node 24 (`nodejs24.x`) a
 * handler declaring three or more parameters, not a streaming one, fails init with
 * `Runtime.CallbackHandlerDeprecated`.
 *
 * On `provided.al2023`, the `bootstrap` file is
 * `#!/bin/sh` + `exec node node_modules/effect-lambda-runtime/dist/node.js`; on a managed
 * Node.js runtime, the same script is the `AWS_LAMBDA_EXEC_WRAPPER` (it ignores the arguments
 * of the official runtime it replaces).
 *
 * This module has no exports: importing it is starting the runtime. A TypeScript handler types
 * its `context` with `import type { DropInContext } from "effect-lambda-runtime/DropIn"`, a
 * module of types only.
 *
 * @since 0.1.0
 */
import { main } from "./internal/node/main.js"

main()
