// The benchmark's HttpApi on this runtime, as the README shows it.
import { LambdaHttp, LambdaRuntime } from "../../../src/index.js"
import { ApiLive } from "./api.js"

LambdaRuntime.run(LambdaHttp.fromHttpApi(ApiLive))
