import { relative } from "node:path";
import type { Reporter, TestModule, Vitest } from "vitest/node";

/**
 * Ends a run with every skipped test and why, grouped by reason: a test of a real tool that
 * skipped because the tool is missing says so in the output, not only in a count.
 */
export default class SkipReasonsReporter implements Reporter {
  #root = process.cwd();

  onInit(vitest: Vitest): void {
    this.#root = vitest.config.root;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byReason = new Map<string, string[]>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== "skipped") continue;
        const reason = result.note ?? "no reason given";
        byReason.set(reason, [...(byReason.get(reason) ?? []), `${relative(this.#root, module.moduleId)} > ${test.fullName}`]);
      }
    }
    if (byReason.size === 0) return;
    const lines = ["", `Skipped tests, by reason:`];
    for (const [reason, tests] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`  ${reason} (${tests.length} test${tests.length === 1 ? "" : "s"})`);
      for (const test of tests.slice(0, 3)) lines.push(`    - ${test}`);
      if (tests.length > 3) lines.push(`    - and ${tests.length - 3} more`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
}
