import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    projects: ["packages/*/vitest.config.ts"],
    reporters: ["default", "./packages/test-support/src/skip-reasons-reporter.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
