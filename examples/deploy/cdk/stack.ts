/**
 * The example stack: one Effect function module built twice, for the managed Node.js 22 and
 * Node.js 24 runtimes (each build's code cache made with that Node), and optionally a plain Node
 * handler on the drop-in layer. Every input is a prop; `app.ts` reads them from the CDK context.
 */
import { CfnOutput, Duration, Stack } from "aws-cdk-lib"
import type { StackProps } from "aws-cdk-lib"
import * as lambda from "aws-cdk-lib/aws-lambda"
import type { Construct } from "constructs"
import { DropInFunction, DropInRuntime, EffectFunction } from "./functions.js"

/** A plain Node handler and the drop-in build that serves it. */
export interface DropInExampleProps {
  /** The output folder of `effect-lambda build --drop-in --node <Node 22>`. */
  readonly build: string
  /** The function's own folder (e.g. `examples/node-handler`), zipped as it is. */
  readonly codeDir: string
  /** `_HANDLER`, e.g. `index.handler`. */
  readonly handler: string
}

export interface ExampleStackProps extends StackProps {
  /** The output folder of `effect-lambda build <module> --node <Node 22>` (e.g. `dist/lambda`). */
  readonly node22Build: string
  /** The same module's build with Node 24 (e.g. `dist/lambda-node24`). */
  readonly node24Build: string
  /** Adds a plain Node handler on the drop-in layer (Node.js 22). */
  readonly dropIn?: DropInExampleProps | undefined
  /** The functions' application log level (`AWS_LAMBDA_LOG_LEVEL`; default INFO). */
  readonly logLevel?: lambda.ApplicationLogLevel | undefined
}

export class ExampleStack extends Stack {
  readonly node22: EffectFunction
  readonly node24: EffectFunction
  readonly dropIn: DropInFunction | undefined

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, props)
    const common = {
      architecture: lambda.Architecture.X86_64,
      memorySize: 512,
      // Detached work runs after the response but within this timeout.
      timeout: Duration.seconds(10),
      // JSON log lines; the runtime reads the level Lambda sets (AWS_LAMBDA_LOG_LEVEL).
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel ?? lambda.ApplicationLogLevel.INFO
    }
    this.node22 = new EffectFunction(this, "Node22", {
      ...common,
      build: props.node22Build,
      runtime: lambda.Runtime.NODEJS_22_X
    })
    this.node24 = new EffectFunction(this, "Node24", {
      ...common,
      build: props.node24Build,
      runtime: lambda.Runtime.NODEJS_24_X
    })
    new CfnOutput(this, "Node22FunctionName", { value: this.node22.functionName })
    new CfnOutput(this, "Node24FunctionName", { value: this.node24.functionName })

    if (props.dropIn !== undefined) {
      const runtime = new DropInRuntime(this, "DropInRuntime", {
        build: props.dropIn.build,
        runtime: lambda.Runtime.NODEJS_22_X
      })
      this.dropIn = new DropInFunction(this, "DropIn", {
        ...common,
        code: lambda.Code.fromAsset(props.dropIn.codeDir),
        handler: props.dropIn.handler,
        dropIn: runtime
      })
      new CfnOutput(this, "DropInFunctionName", { value: this.dropIn.functionName })
    }
  }
}
