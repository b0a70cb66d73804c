import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    // Each project sets its own timeouts: a project does not inherit them from here.
    // tests/boot boots real VMs: it runs in `pnpm test:e2e` only, never in `pnpm test`.
    projects: ["packages/*/vitest.config.ts", "tests/*/vitest.config.ts", "!tests/boot/vitest.config.ts"],
    reporters: ["default", "./packages/test-support/src/skip-reasons-reporter.ts"],
  },
});
