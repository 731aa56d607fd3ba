/**
 * The Effect 4 line's `Build.build` as a Promise, for the repository's bench driver
 * (bench/lines.ts), which runs on the Effect 3 line's `effect`: importing this module gives it
 * this line's Build run by this line's Effect, so that each line's functions and drop-in are
 * built by that line's own build, as a user of the line would build them.
 */
import { Effect } from "effect"
import * as Build from "../src/Build.js"

/** Runs this line's build; rejects with its `BuildError` (or a defect). */
export const build = (options: Build.BuildOptions): Promise<Build.BuildResult> =>
  Effect.runPromise(Build.build(options))
