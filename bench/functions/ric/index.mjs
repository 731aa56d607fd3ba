// The trivial async handler that aws-lambda-ric runs (the same work as the other runtimes' handlers).
export const handler = async (event) => ({ ok: true, echo: event.n })
