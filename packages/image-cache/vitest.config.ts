import { defineProject } from "vitest/config";

export default defineProject({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: { name: "@vmforge/image-cache", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
