/**
 * The CDK app of the example (aws-cdk-lib v2). From the project root:
 *
 *   npx effect-lambda build src/handler.ts --outdir dist/lambda --node <path to Node 22>
 *   npx effect-lambda build src/handler.ts --outdir dist/lambda-node24 --node <path to Node 24>
 *   npx aws-cdk deploy --app "npx tsx examples/deploy/cdk/app.ts"
 *
 * With a plain Node handler on the drop-in layer as well:
 *
 *   npx effect-lambda build --drop-in --outdir dist/drop-in --node <path to Node 22>
 *   npx aws-cdk deploy --app "npx tsx examples/deploy/cdk/app.ts" \
 *     -c dropInBuild=dist/drop-in -c dropInCode=examples/node-handler
 *
 * Paths are relative to the folder the CDK CLI runs in. Context keys (`-c key=value` or
 * cdk.json's "context"): node22Build, node24Build, dropInBuild, dropInCode, dropInHandler,
 * logLevel, stackName.
 */
import { App } from "aws-cdk-lib"
import * as lambda from "aws-cdk-lib/aws-lambda"
import { ExampleStack } from "./stack.js"

const app = new App()

/** A context value, which must be a string when given. */
const setting = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key)
  if (value !== undefined && typeof value !== "string") throw new Error(`context ${key} must be a string`)
  return value
}

const logLevel = setting("logLevel")
const levels: ReadonlyArray<string> = Object.values(lambda.ApplicationLogLevel)
if (logLevel !== undefined && !levels.includes(logLevel)) {
  throw new Error(`context logLevel must be one of ${levels.join(", ")}, got ${logLevel}`)
}
const dropInBuild = setting("dropInBuild")

new ExampleStack(app, setting("stackName") ?? "EffectLambdaRuntimeExample", {
  node22Build: setting("node22Build") ?? "dist/lambda",
  node24Build: setting("node24Build") ?? "dist/lambda-node24",
  dropIn: dropInBuild === undefined ? undefined : {
    build: dropInBuild,
    codeDir: setting("dropInCode") ?? "examples/node-handler",
    handler: setting("dropInHandler") ?? "index.handler"
  },
  logLevel: logLevel as lambda.ApplicationLogLevel | undefined
})

app.synth()
