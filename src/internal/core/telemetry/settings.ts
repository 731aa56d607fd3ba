/**
 * Which telemetry is on, from the variables users already set: OpenTelemetry's
 * (`OTEL_EXPORTER_OTLP_*`, `OTEL_SERVICE_NAME`, `OTEL_SDK_DISABLED`), Lambda's
 * (`AWS_XRAY_DAEMON_ADDRESS`, set when active tracing is on) and Powertools'
 * (`POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_SERVICE_NAME`). Without any of them nothing is on,
 * and nothing is loaded.
 *
 * @internal
 */

/**
 * The variables this module reads; each line reads them through its `Config` and passes them in.
 *
 * @internal
 */
export const TELEMETRY_VARIABLES = [
  "OTEL_SDK_DISABLED",
  "OTEL_SERVICE_NAME",
  "OTEL_RESOURCE_ATTRIBUTES",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
  "OTEL_EXPORTER_OTLP_PROTOCOL",
  "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
  "OTEL_EXPORTER_OTLP_TIMEOUT",
  "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
  "AWS_XRAY_DAEMON_ADDRESS",
  "POWERTOOLS_METRICS_NAMESPACE",
  "POWERTOOLS_SERVICE_NAME",
  "POWERTOOLS_METRICS_DISABLED",
  "AWS_LAMBDA_FUNCTION_NAME",
  "AWS_LAMBDA_FUNCTION_VERSION",
  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
  "AWS_LAMBDA_LOG_STREAM_NAME",
  "AWS_REGION"
] as const

/**
 * The values of `TELEMETRY_VARIABLES` (undefined when unset).
 *
 * @internal
 */
export type TelemetryEnvironment = Readonly<Partial<Record<(typeof TELEMETRY_VARIABLES)[number], string>>>

/**
 * Where OTLP traces go.
 *
 * @internal
 */
export interface OtlpSettings {
  /** The traces URL: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly url: string
  /** `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`: `k=v,k2=v2`, values percent-decoded. */
  readonly headers: Readonly<Record<string, string>>
  /** `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT`: how long one export may take, in ms; default 10000. */
  readonly timeoutMs: number
}

/**
 * Where X-Ray documents go: the daemon's UDP address (`AWS_XRAY_DAEMON_ADDRESS` is `host:port`,
 * or `tcp:host:port udp:host:port`).
 *
 * @internal
 */
export interface XRaySettings {
  readonly host: string
  readonly port: number
}

/**
 * Metrics as CloudWatch Embedded Metric Format lines.
 *
 * @internal
 */
export interface EmfSettings {
  readonly namespace: string
  /** The `service` dimension: `POWERTOOLS_SERVICE_NAME`, else the service name. */
  readonly service: string
}

/**
 * Everything telemetry needs, read once at init.
 *
 * @internal
 */
export interface TelemetrySettings {
  /** Something is on (tells it apart from `TelemetryOff`). */
  readonly off: false
  readonly otlp: OtlpSettings | undefined
  readonly xray: XRaySettings | undefined
  readonly emf: EmfSettings | undefined
  /** The OpenTelemetry resource: `service.name`, `faas.*`, `cloud.*`, `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly resource: Readonly<Record<string, string | number>>
  /** `OTEL_SERVICE_NAME`, else the function's name. */
  readonly serviceName: string
  /** What was set but could not be used (an unknown protocol, a bad daemon address): one warning each at init. */
  readonly problems: ReadonlyArray<string>
}

/**
 * Nothing is on; `problems` still says what was set but could not be used (an unknown protocol
 * with no other telemetry), one warning each at init.
 *
 * @internal
 */
export interface TelemetryOff {
  readonly off: true
  readonly problems: ReadonlyArray<string>
}

/** OpenTelemetry's default for `OTEL_EXPORTER_OTLP_TIMEOUT`. */
const DEFAULT_TIMEOUT_MS = 10_000

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim()
  return trimmed === undefined || trimmed.length === 0 ? undefined : trimmed
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    // A stray `%` is kept as written rather than losing the whole value.
    return text
  }
}

/**
 * OpenTelemetry's `k=v,k2=v2` lists (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_RESOURCE_ATTRIBUTES`):
 * keys and values trimmed and percent-decoded; an entry without `=` or key is a problem.
 *
 * @internal
 */
export const parseKeyValues = (
  variable: string,
  text: string | undefined,
  problems: Array<string>
): Record<string, string> => {
  const result: Record<string, string> = {}
  if (text === undefined) return result
  for (const entry of text.split(",")) {
    if (entry.trim().length === 0) continue
    const eq = entry.indexOf("=")
    const key = eq < 0 ? "" : decode(entry.slice(0, eq).trim())
    if (key.length === 0) {
      problems.push(`${variable}: ignored "${entry.trim()}" (expected key=value)`)
      continue
    }
    result[key] = decode(entry.slice(eq + 1).trim())
  }
  return result
}

/**
 * The traces URL from the endpoint variables, as OpenTelemetry's specification says: the
 * signal-specific one as is, the generic one with `/v1/traces` appended to its path.
 *
 * @internal
 */
export const tracesUrl = (env: TelemetryEnvironment): string | undefined => {
  const specific = present(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  if (specific !== undefined) return specific
  const generic = present(env.OTEL_EXPORTER_OTLP_ENDPOINT)
  if (generic === undefined) return undefined
  return `${generic.replace(/\/+$/, "")}/v1/traces`
}

const otlpSettings = (env: TelemetryEnvironment, problems: Array<string>): OtlpSettings | undefined => {
  const url = tracesUrl(env)
  if (url === undefined) return undefined
  if (present(env.OTEL_SDK_DISABLED)?.toLowerCase() === "true") return undefined
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    problems.push(`OTLP traces are off: the endpoint ${JSON.stringify(url)} is not an http(s) URL`)
    return undefined
  }
  // The request is OTLP/JSON, which every OTLP/HTTP receiver takes (the collector's, ADOT's):
  // a protobuf encoder in every function's bundle cost some 4 ms of cold start, traces on or off
  // (docs/design/observability.md).
  const protocol = present(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? present(env.OTEL_EXPORTER_OTLP_PROTOCOL) ??
    "http/json"
  if (protocol === "http/protobuf") {
    problems.push(
      "OTLP http/protobuf is not supported by this runtime: traces are sent as http/json to the same endpoint (set OTEL_EXPORTER_OTLP_PROTOCOL=http/json)"
    )
  } else if (protocol !== "http/json") {
    problems.push(`OTLP traces are off: the protocol ${JSON.stringify(protocol)} is not supported (use http/json)`)
    return undefined
  }
  // Signal-specific headers are merged over the generic ones, key by key.
  const headers = {
    ...parseKeyValues("OTEL_EXPORTER_OTLP_HEADERS", env.OTEL_EXPORTER_OTLP_HEADERS, problems),
    ...parseKeyValues("OTEL_EXPORTER_OTLP_TRACES_HEADERS", env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, problems)
  }
  return { url, headers, timeoutMs: timeoutOf(env, problems) }
}

const timeoutOf = (env: TelemetryEnvironment, problems: Array<string>): number => {
  const [variable, text] = present(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT) !== undefined
    ? ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", present(env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT)]
    : ["OTEL_EXPORTER_OTLP_TIMEOUT", present(env.OTEL_EXPORTER_OTLP_TIMEOUT)]
  if (text === undefined) return DEFAULT_TIMEOUT_MS
  const ms = Number(text)
  if (Number.isInteger(ms) && ms > 0) return ms
  problems.push(`${variable}: ${JSON.stringify(text)} is not a positive number of milliseconds; using 10000`)
  return DEFAULT_TIMEOUT_MS
}

const PORT = /^(.+):(\d{1,5})$/

/**
 * The daemon's UDP address from `AWS_XRAY_DAEMON_ADDRESS`: `host:port`, or
 * `tcp:host:port udp:host:port` (the UDP one), or undefined when it has another shape.
 *
 * @internal
 */
export const parseDaemonAddress = (text: string): XRaySettings | undefined => {
  const parts = text.trim().split(/\s+/)
  let address: string | undefined
  if (parts.length === 1 && !/^(tcp|udp):/.test(parts[0]!)) address = parts[0]
  else {
    for (const part of parts) if (part.startsWith("udp:")) address = part.slice(4)
  }
  if (address === undefined) return undefined
  const match = PORT.exec(address)
  if (match === null) return undefined
  const port = Number(match[2])
  if (port < 1 || port > 65535) return undefined
  // `[::1]:2000`: the brackets only delimit the address in the variable; a socket wants it bare.
  const host = match[1]!.replace(/^\[(.*)\]$/, "$1")
  return host.length === 0 ? undefined : { host, port }
}

const xraySettings = (env: TelemetryEnvironment, problems: Array<string>): XRaySettings | undefined => {
  const text = present(env.AWS_XRAY_DAEMON_ADDRESS)
  if (text === undefined) return undefined
  const settings = parseDaemonAddress(text)
  if (settings === undefined) {
    problems.push(`X-Ray is off: AWS_XRAY_DAEMON_ADDRESS ${JSON.stringify(text)} has no UDP host:port`)
  }
  return settings
}

const emfSettings = (
  env: TelemetryEnvironment,
  serviceName: string,
  metricsNamespace: string | undefined
): EmfSettings | undefined => {
  if (present(env.POWERTOOLS_METRICS_DISABLED)?.toLowerCase() === "true") return undefined
  const namespace = present(metricsNamespace) ?? present(env.POWERTOOLS_METRICS_NAMESPACE)
  if (namespace === undefined) return undefined
  return { namespace, service: present(env.POWERTOOLS_SERVICE_NAME) ?? serviceName }
}

/**
 * The OpenTelemetry resource of the function: `OTEL_RESOURCE_ATTRIBUTES` over what Lambda's
 * variables say (`cloud.*`, `faas.*`, `faas.max_memory` in bytes as the semantic conventions
 * want), and `service.name` from `OTEL_SERVICE_NAME` over both.
 *
 * @internal
 */
export const resourceOf = (
  env: TelemetryEnvironment,
  problems: Array<string>
): Record<string, string | number> => {
  const resource: Record<string, string | number> = { "cloud.provider": "aws", "cloud.platform": "aws_lambda" }
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) resource[key] = value
  }
  set("cloud.region", present(env.AWS_REGION))
  set("faas.name", present(env.AWS_LAMBDA_FUNCTION_NAME))
  set("faas.version", present(env.AWS_LAMBDA_FUNCTION_VERSION))
  set("faas.instance", present(env.AWS_LAMBDA_LOG_STREAM_NAME))
  const memory = Number(present(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE))
  if (Number.isInteger(memory) && memory > 0) resource["faas.max_memory"] = memory * 1024 * 1024
  Object.assign(resource, parseKeyValues("OTEL_RESOURCE_ATTRIBUTES", env.OTEL_RESOURCE_ATTRIBUTES, problems))
  const fromAttributes = resource["service.name"]
  resource["service.name"] = present(env.OTEL_SERVICE_NAME) ??
    (typeof fromAttributes === "string" ? present(fromAttributes) : undefined) ??
    present(env.AWS_LAMBDA_FUNCTION_NAME) ?? "unknown_service:node"
  return resource
}

/**
 * The settings, or `TelemetryOff` when no telemetry is on (then the runtime loads and does
 * nothing but print `problems`). Callers tell them apart by `off`.
 * `OTEL_SDK_DISABLED=true` turns OTLP off; `metricsNamespace` (a run option) stands for
 * `POWERTOOLS_METRICS_NAMESPACE`.
 *
 * @internal
 */
export const telemetrySettings = (
  env: TelemetryEnvironment,
  options?: { readonly metricsNamespace?: string | undefined }
): TelemetrySettings | TelemetryOff => {
  const problems: Array<string> = []
  const resource = resourceOf(env, problems)
  const serviceName = String(resource["service.name"])
  const otlp = otlpSettings(env, problems)
  const xray = xraySettings(env, problems)
  const emf = emfSettings(env, serviceName, options?.metricsNamespace)
  if (otlp === undefined && xray === undefined && emf === undefined) return { off: true, problems }
  return { off: false, otlp, xray, emf, resource, serviceName, problems }
}
