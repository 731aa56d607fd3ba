// A plain Node.js handler, unchanged from the official runtime, plus one line of this runtime:
// `context.detach` runs the audit write after the response is sent, and the runtime waits for
// it before the next invocation (on the official runtime it would be frozen with the process).
//
// Run it locally: LAMBDA_TASK_ROOT=examples/node-handler _HANDLER=index.handler \
//   npx effect-lambda run node_modules/effect-lambda-runtime/dist/node.js --event order.json
const audit = async (order, signal) => {
  // Stands for a slow call (an audit table, a webhook); `signal` aborts at the deadline.
  await new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, 50)
    signal.addEventListener("abort", () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })
  console.log(`audited order ${order.id}`)
}

export const handler = async (event, context) => {
  const order = { id: event.id ?? "unknown", quantity: event.quantity ?? 1 }
  context.detach((signal) => audit(order, signal))
  return { accepted: order.quantity > 0, requestId: context.awsRequestId }
}
