import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "@vmforge/e2e",
    include: ["test/**/*.test.ts"],
    // Packs every published package once for all the tests (scripts/pack-all.mjs).
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
