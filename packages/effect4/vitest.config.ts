import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // As the root suite's: child-process tests spawn Node (tsx) on a 2-core machine shared with
    // other work, where vitest's default 5 s cuts tests that pass (measured: 5.1-5.7 s at load 14).
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
