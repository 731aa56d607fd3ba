import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Child-process and soak tests spawn Node and serve thousands of invocations on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 30_000
  }
})
