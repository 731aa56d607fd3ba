/**
 * The entry of the Managed Instances example (the handler is in `handlers/managed-instances.ts`).
 * Locally, the emulator's concurrent mode hands out up to 8 invocations at once:
 *
 *   PRICES_URL=http://localhost:4000 npx effect-lambda emulator examples/managed-instances.ts --concurrency 8
 */
import { LambdaRuntime } from "../src/index.js"
import { handler, layer } from "./handlers/managed-instances.js"

LambdaRuntime.run(handler, { layer })
