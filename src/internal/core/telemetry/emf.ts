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
 * What this module bounds beyond CloudWatch's own limits: metric names of 255 characters, dimension
 * values of 1,024, histogram values of 100 per metric (EMF's array limit), and the distinct
 * (kind, name, tags) keys remembered for deltas.
 *
 * @internal
 */
export const EMF_BOUNDS = { name: 255, dimensionValue: 1024, values: 100, keys: 10_000 } as const

// Members of the root that no tag or metric may take: the metadata and the runtime's dimension.
const RESERVED = new Set(["_aws", "service"])

type Tags = ReadonlyArray<readonly [string, string]>

type Previous =
  | { readonly kind: "counter"; readonly count: number }
  | { readonly kind: "gauge"; readonly value: number }
  | {
    readonly kind: "histogram"
    readonly perBucket: ReadonlyArray<number>
    readonly count: number
    readonly sum: number
  }

// One metric's value for this line, and how to remember it once it is written.
interface Change {
  readonly name: string
  readonly unit: "Count" | "None"
  readonly value: number | { readonly Values: Array<number>; readonly Counts: Array<number> }
  readonly commit: () => void
}

// The tags in key order, a key once (its first value), without the reserved members.
const sortedTags = (tags: Tags): Tags => {
  const byKey = new Map<string, string>()
  for (const [key, value] of tags) {
    const name = key.slice(0, EMF_BOUNDS.name)
    if (!RESERVED.has(name) && !byKey.has(name)) byKey.set(name, value)
  }
  return [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

// Per-bucket counts from Effect's cumulative ones (each bucket counts the values <= its bound).
const perBucket = (buckets: ReadonlyArray<readonly [number, number]>): Array<number> =>
  buckets.map(([, cumulative], i) => cumulative - (i === 0 ? 0 : buckets[i - 1]![1]))

/**
 * A histogram's new observations as EMF's `{Values, Counts}`: one value per bucket that changed,
 * its upper bound; the +Infinity bucket takes the largest finite bound (or the mean of the new
 * observations when there is none), merged with that bound's count. Beyond 100 values, the rest
 * is added to the last one kept.
 */
const histogramValues = (
  bounds: ReadonlyArray<number>,
  deltas: ReadonlyArray<number>,
  mean: number
): { Values: Array<number>; Counts: Array<number> } => {
  const counts = new Map<number, number>()
  let lastFinite: number | undefined
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i]!
    if (Number.isFinite(bound)) lastFinite = bound
    const delta = deltas[i]!
    if (delta <= 0) continue
    const value = Number.isFinite(bound) ? bound : lastFinite ?? (Number.isFinite(mean) ? mean : 0)
    counts.set(value, (counts.get(value) ?? 0) + delta)
  }
  const entries = [...counts].sort(([a], [b]) => a - b)
  const kept = entries.slice(0, EMF_BOUNDS.values)
  const rest = entries.slice(EMF_BOUNDS.values).reduce((sum, [, count]) => sum + count, 0)
  if (rest > 0) kept[kept.length - 1] = [kept[kept.length - 1]![0], kept[kept.length - 1]![1] + rest]
  return { Values: kept.map(([value]) => value), Counts: kept.map(([, count]) => count) }
}

interface Document {
  readonly tags: Tags
  readonly changes: Array<Change>
}

/**
 * The previous snapshot's totals, so that each line carries deltas. A counter, histogram bucket
 * or gauge that did not change since the last line is left out.
 *
 * Bounded: at most {@link EMF_BOUNDS}.keys distinct (kind, name, tags) are remembered; a new one
 * beyond them is left out of every line and counted in `dropped` (forgetting an old one instead
 * would write its whole total again as a delta the next time it is seen, a wrong number).
 *
 * Names: a metric named `_aws`, `service` or like one of its tags would overwrite that member, so
 * it is left out and counted; a tag named `_aws` or `service` is ignored (the runtime's `service`
 * dimension wins). A metric left out by a limit keeps its previous total, so that its change is
 * written by the next line that has room for it.
 *
 * @internal
 */
export class MetricDeltas {
  private readonly previous = new Map<string, Previous>()

  /** How many (kind, name, tags) keys are remembered. */
  get size(): number {
    return this.previous.size
  }

  private change(sample: MetricSample, key: string): Change | undefined {
    const before = this.previous.get(key)
    const name = sample.name.slice(0, EMF_BOUNDS.name)
    const remember = (state: Previous) => () => void this.previous.set(key, state)
    switch (sample.kind) {
      case "counter": {
        const delta = sample.count - (before?.kind === "counter" ? before.count : 0)
        if (delta === 0 || !Number.isFinite(delta)) return undefined
        return { name, unit: "Count", value: delta, commit: remember({ kind: "counter", count: sample.count }) }
      }
      case "gauge": {
        if (!Number.isFinite(sample.value)) return undefined
        if (before?.kind === "gauge" && before.value === sample.value) return undefined
        return { name, unit: "None", value: sample.value, commit: remember({ kind: "gauge", value: sample.value }) }
      }
      case "histogram": {
        const now = perBucket(sample.buckets)
        const then = before?.kind === "histogram" && before.perBucket.length === now.length ? before.perBucket : []
        const deltas = now.map((count, i) => count - (then[i] ?? 0))
        const newCount = sample.count - (before?.kind === "histogram" ? before.count : 0)
        const newSum = sample.sum - (before?.kind === "histogram" ? before.sum : 0)
        if (!deltas.some((delta) => delta > 0)) return undefined
        const mean = newCount > 0 ? newSum / newCount : Number.NaN
        const value = histogramValues(sample.buckets.map(([bound]) => bound), deltas, mean)
        return {
          name,
          unit: "None",
          value,
          commit: remember({ kind: "histogram", perBucket: now, count: sample.count, sum: sample.sum })
        }
      }
    }
  }

  /**
   * The EMF lines (JSON, one document per distinct tag set, each with `_aws.CloudWatchMetrics`,
   * the `service` dimension and the metric values; histograms as `{Values, Counts}`), for the
   * samples' changes since the previous call, stamped `timestampMs`. `dropped` counts the
   * metrics the limits left out of this call.
   */
  lines(
    samples: ReadonlyArray<MetricSample>,
    settings: EmfSettings,
    timestampMs: number
  ): { readonly lines: Array<string>; readonly dropped: number } {
    let dropped = 0
    const documents = new Map<string, Document>()
    for (const sample of samples) {
      const tags = sortedTags(sample.tags)
      const tagKey = JSON.stringify(tags)
      const key = JSON.stringify([sample.kind, sample.name, tags])
      if (!this.previous.has(key) && this.previous.size >= EMF_BOUNDS.keys) {
        dropped++
        continue
      }
      const change = this.change(sample, key)
      if (change === undefined) continue
      let document = documents.get(tagKey)
      if (document === undefined) {
        document = { tags, changes: [] }
        documents.set(tagKey, document)
      }
      const taken = RESERVED.has(change.name) || tags.some(([tag]) => tag === change.name) ||
        document.changes.some((other) => other.name === change.name)
      if (taken) dropped++
      else document.changes.push(change)
    }
    const lines: Array<string> = []
    for (const document of documents.values()) {
      for (let from = 0; from < document.changes.length; from += EMF_LIMITS.metricsPerDocument) {
        const changes = document.changes.slice(from, from + EMF_LIMITS.metricsPerDocument)
        if (lines.length >= EMF_LIMITS.documents) {
          dropped += changes.length
          continue
        }
        lines.push(line(settings, document.tags, changes, timestampMs))
        for (const change of changes) change.commit()
      }
    }
    return { lines, dropped }
  }
}

const line = (settings: EmfSettings, tags: Tags, changes: ReadonlyArray<Change>, timestampMs: number): string => {
  // EMF rejects an empty dimension value: such a tag stays a plain member.
  const dimensions = tags.filter(([, value]) => value.length > 0).slice(0, EMF_LIMITS.dimensions)
  const root: Record<string, unknown> = {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [{
        Namespace: settings.namespace,
        Dimensions: [["service", ...dimensions.map(([key]) => key)]],
        Metrics: changes.map((change) => ({ Name: change.name, Unit: change.unit }))
      }]
    },
    service: settings.service.slice(0, EMF_BOUNDS.dimensionValue)
  }
  for (const [key, value] of tags) root[key] = value.slice(0, EMF_BOUNDS.dimensionValue)
  for (const change of changes) root[change.name] = change.value
  return JSON.stringify(root)
}

/**
 * The cold-start line of the process's first invocation: `ColdStart` = 1 (Count) with the
 * `service` and `function_name` dimensions, as Powertools Metrics writes it.
 *
 * @internal
 */
export const coldStartLine = (settings: EmfSettings, functionName: string, timestampMs: number): string =>
  JSON.stringify({
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [{
        Namespace: settings.namespace,
        Dimensions: [["service", "function_name"]],
        Metrics: [{ Name: "ColdStart", Unit: "Count" }]
      }]
    },
    service: settings.service.slice(0, EMF_BOUNDS.dimensionValue),
    function_name: functionName.slice(0, EMF_BOUNDS.dimensionValue),
    ColdStart: 1
  })
