// The benchmark's HttpApi on @effect-aws/lambda (run by aws-lambda-ric), as its documentation
// shows it: the API layer merged with the platform's HttpServer context.
import { LambdaHandler } from "@effect-aws/lambda"
import { HttpServer } from "@effect/platform"
import { Layer } from "effect"
import { ApiLive } from "./api.js"

export const handler = LambdaHandler.fromHttpApi(Layer.mergeAll(ApiLive, HttpServer.layerContext))
