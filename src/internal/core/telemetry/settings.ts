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
  /** `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`; default `http/protobuf` as OpenTelemetry's. */
  readonly protocol: "http/json" | "http/protobuf"
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
 * The settings, or undefined when no telemetry is on (then the runtime loads and does nothing).
 * `OTEL_SDK_DISABLED=true` turns OTLP off; `metricsNamespace` (a run option) stands for
 * `POWERTOOLS_METRICS_NAMESPACE`.
 *
 * @internal
 */
export const telemetrySettings = (
  env: TelemetryEnvironment,
  options?: { readonly metricsNamespace?: string | undefined }
): TelemetrySettings | undefined => {
  void env
  void options
  throw new Error("not implemented")
}
