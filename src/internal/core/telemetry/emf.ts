/**
 * Effect metrics as CloudWatch Embedded Metric Format lines, per invocation: each line carries
 * what changed since the previous line (a counter incremented once per invocation reads 1 in
 * each line, not a running total); metric tags are its dimensions, bounded by CloudWatch's
 * limits. And the cold-start metric, as Powertools writes it.
 *
 * @internal
 */
import type { EmfSettings } from "./settings.js"

/**
 * One metric of a line's snapshot, with cumulative values as Effect's registry holds them.
 *
 * @internal
 */
export type MetricSample =
  | {
    readonly kind: "counter"
    readonly name: string
    readonly tags: ReadonlyArray<readonly [string, string]>
    /** The counter's total since the process started. */
    readonly count: number
  }
  | {
    readonly kind: "gauge"
    readonly name: string
    readonly tags: ReadonlyArray<readonly [string, string]>
    readonly value: number
  }
  | {
    readonly kind: "histogram"
    readonly name: string
    readonly tags: ReadonlyArray<readonly [string, string]>
    /** Cumulative counts per bucket upper bound (Effect's buckets), and the totals. */
    readonly buckets: ReadonlyArray<readonly [number, number]>
    readonly count: number
    readonly sum: number
  }

/**
 * CloudWatch's limits: 30 dimensions per set, 100 metrics per document, and what this runtime
 * bounds a line to (distinct tag sets per invocation).
 *
 * @internal
 */
export const EMF_LIMITS = { dimensions: 29, metricsPerDocument: 100, documents: 100 } as const

/**
 * The previous snapshot's totals, so that each line carries deltas. A counter, histogram bucket
 * or gauge that did not change since the last line is left out.
 *
 * @internal
 */
export class MetricDeltas {
  /**
   * The EMF lines (JSON, one document per distinct tag set, each with `_aws.CloudWatchMetrics`,
   * the `service` dimension and the metric values; histograms as `{Values, Counts}`), for the
   * samples' changes since the previous call, stamped `timestampMs`. `dropped` counts what the
   * limits left out.
   */
  lines(
    samples: ReadonlyArray<MetricSample>,
    settings: EmfSettings,
    timestampMs: number
  ): { readonly lines: Array<string>; readonly dropped: number } {
    void samples
    void settings
    void timestampMs
    throw new Error("not implemented")
  }
}

/**
 * The cold-start line of the process's first invocation: `ColdStart` = 1 (Count) with the
 * `service` and `function_name` dimensions, as Powertools Metrics writes it.
 *
 * @internal
 */
export const coldStartLine = (settings: EmfSettings, functionName: string, timestampMs: number): string => {
  void settings
  void functionName
  void timestampMs
  throw new Error("not implemented")
}
