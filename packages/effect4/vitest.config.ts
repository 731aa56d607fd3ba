import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Child-process tests spawn Node (through tsx) per case on a 2-core machine, as the root's do.
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
