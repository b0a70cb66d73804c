import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    // Each project sets its own timeouts: a project does not inherit them from here.
    projects: ["packages/*/vitest.config.ts", "tests/*/vitest.config.ts"],
    reporters: ["default", "./packages/test-support/src/skip-reasons-reporter.ts"],
  },
});
