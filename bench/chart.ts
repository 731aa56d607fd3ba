/**
 * The benchmark's picture, as a plain SVG string: cold start and throughput per runtime (bar
 * charts), and response latency with a 200 ms task awaited inline versus detached.
 */

export interface ChartRow {
  readonly id: string
  readonly runtime: string
  readonly invocationsPerSecond: number
  readonly coldStartMs: number
}

export interface LatencyFigures {
  readonly noDetached: number
  readonly detached: number
  readonly inline: number
}

const WIDTH = 800
const LABEL_WIDTH = 340
const BAR_WIDTH = WIDTH - LABEL_WIDTH - 90
const ROW = 22

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

const colour = (id: string) => id === "baseline" ? "#8c8c8c" : id.startsWith("ric") ? "#e3a33b" : "#3b78c3"

interface Bar {
  readonly id: string
  readonly label: string
  readonly value: number
  readonly text: string
}

/** One titled panel of horizontal bars, starting at `top`; returns its SVG and height. */
const panel = (title: string, bars: ReadonlyArray<Bar>, top: number): { svg: string; height: number } => {
  const max = Math.max(...bars.map((b) => b.value).filter(Number.isFinite), 1e-9)
  const parts = [`<text x="10" y="${top + 16}" class="title">${escape(title)}</text>`]
  bars.forEach((bar, i) => {
    const y = top + 28 + i * ROW
    const width = Number.isFinite(bar.value) ? Math.max(1, (bar.value / max) * BAR_WIDTH) : 0
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${
        colour(bar.id)
      }"/>`,
      `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 14}">${escape(bar.text)}</text>`
    )
  })
  return { svg: parts.join("\n"), height: 28 + bars.length * ROW + 14 }
}

export const chart = (rows: ReadonlyArray<ChartRow>, latency: LatencyFigures): string => {
  const panels: Array<string> = []
  let top = 10
  const add = (title: string, bars: ReadonlyArray<Bar>) => {
    const { svg, height } = panel(title, bars, top)
    panels.push(svg)
    top += height
  }
  add(
    "Cold start: process spawn → first GET /next (median ms, lower is better)",
    rows.filter((r) => Number.isFinite(r.coldStartMs) && r.id !== "detached" && r.id !== "inline").map((r) => ({
      id: r.id,
      label: r.runtime,
      value: r.coldStartMs,
      text: `${r.coldStartMs.toFixed(1)} ms`
    }))
  )
  add(
    "Throughput: invocations per second against a local Runtime API (higher is better)",
    rows.filter((r) => Number.isFinite(r.invocationsPerSecond) && r.id !== "detached" && r.id !== "inline").map((
      r
    ) => ({
      id: r.id,
      label: r.runtime,
      value: r.invocationsPerSecond,
      text: `${r.invocationsPerSecond.toFixed(0)}/s`
    }))
  )
  add("Response latency, /next answered → /response received (p50 ms): a 200 ms task", [
    { id: "ours", label: "no extra task", value: latency.noDetached, text: `${latency.noDetached.toFixed(3)} ms` },
    { id: "ours", label: "200 ms task detached", value: latency.detached, text: `${latency.detached.toFixed(3)} ms` },
    {
      id: "baseline",
      label: "200 ms task awaited inline",
      value: latency.inline,
      text: `${latency.inline.toFixed(1)} ms`
    }
  ])
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" font-family="sans-serif" font-size="12">`,
    `<style>.title { font-weight: bold; font-size: 13px; }</style>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    `</svg>`,
    ""
  ].join("\n")
}
