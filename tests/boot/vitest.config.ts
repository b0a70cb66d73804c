import { defineConfig } from "vitest/config";

/*
 * Not a project of the root vitest.config.ts: `pnpm test` must not boot a VM. `pnpm test:e2e`
 * runs this config alone (vitest run --config tests/boot/vitest.config.ts).
 */
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "@vmforge/boot",
    root: import.meta.dirname,
    include: ["test/**/*.test.ts"],
    // Builds (or takes from its cache) the guest image once, before any test.
    globalSetup: ["./test/global-setup.ts"],
    // One VM at a time: TCG on two cores.
    fileParallelism: false,
    // Guards only: each boot has its own `start --wait --timeout`.
    testTimeout: 1_500_000,
    hookTimeout: 300_000,
    reporters: ["default", "../../packages/test-support/src/skip-reasons-reporter.ts"],
  },
});
