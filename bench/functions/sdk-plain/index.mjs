// A realistic plain Node handler as Node users deploy it: an ESM module, not bundled, whose
// packages load from node_modules at init (here the repository's own, found by Node's usual
// walk up from this directory): an AWS SDK v3 client and a Powertools Logger created at module
// level; the handler logs one line and returns JSON.
import { SQSClient } from "@aws-sdk/client-sqs"
import { Logger } from "@aws-lambda-powertools/logger"

const logger = new Logger({ serviceName: "orders" })
const sqs = new SQSClient({})

export const handler = async (event, context) => {
  logger.info("order received", { requestId: context.awsRequestId, n: event.n })
  return { ok: true, echo: event.n, region: await sqs.config.region() }
}
