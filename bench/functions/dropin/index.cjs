// bench/functions/ric/index.mjs as CommonJS: the code-cached drop-in row falls back to it when
// the ESM file cannot be imported under the code cache (see bench/dropin.ts).
exports.handler = async (event) => ({ ok: true, echo: event.n })
