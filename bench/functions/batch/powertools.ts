// The batch on Powertools (run by aws-lambda-ric): BatchProcessor + processPartialResponse, each
// body parsed and checked by hand against the same rules as the Order Schema, then 20 ms of
// "I/O". BENCH_BATCH_PARALLEL=false selects its sequential mode (processInParallel: false),
// read at init so that one bundle serves both rows.
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch"
import type { Context, SQSEvent, SQSRecord } from "aws-lambda"
import { IO_MS } from "./orders.js"

const processor = new BatchProcessor(EventType.SQS)
const processInParallel = process.env.BENCH_BATCH_PARALLEL !== "false"

const recordHandler = async (record: SQSRecord): Promise<void> => {
  const order = JSON.parse(record.body) as { orderId?: unknown; quantity?: unknown }
  if (
    typeof order.orderId !== "string" || typeof order.quantity !== "number" || !Number.isInteger(order.quantity) ||
    order.quantity <= 0
  ) {
    throw new Error(`not an order: ${record.body}`)
  }
  await new Promise((resolve) => setTimeout(resolve, IO_MS))
}

export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context, processInParallel })
