/** What the serial console says so far about the guest's boot. */
export type ConsoleVerdict =
  | { state: "waiting" }
  | { state: "ready"; line: string }
  | { state: "failed"; reason: string; line: string };

interface FailurePattern {
  pattern: RegExp;
  reason: string;
}

/**
 * Lines that end a boot for good. Checked before the ready line: cloud-init's final message
 * itself names DataSourceNone when it found no seed.
 */
export const FAILURE_PATTERNS: readonly FailurePattern[] = [
  {
    // Not the quoted name in a list of datasources searched: the final message's or a warning's.
    pattern: /(?<!['"])DataSourceNone(?!['"])|Used fallback datasource/,
    reason: "cloud-init found no datasource (DataSourceNone): the seed ISO was not attached, or its volume label is not CIDATA, or its file names were unreadable (no Rock Ridge or Joliet)",
  },
  { pattern: /not a valid seed/i, reason: "cloud-init found the seed but refused it (not a valid seed)" },
  { pattern: /Kernel panic/, reason: "the guest kernel panicked" },
  { pattern: /No bootable (device|option or device)/i, reason: "the firmware found no bootable device (a blank disk, or no OS on the image or installer)" },
];

/** `Cloud-init v. 24.1.3 finished at Tue, 01 Dec 2026 ... Datasource DataSourceNoCloud [seed=/dev/sr0]. Up 42.17 seconds`. */
export const READY_PATTERN = /Cloud-init v\. \S+ finished at/;

/** Terminal escapes and carriage returns a guest writes to its serial console. */
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]|\r/g;

/** The console's lines, with escapes removed. */
export function consoleLines(text: string): string[] {
  return text.replace(ESCAPES, "").split("\n");
}

/** Judges serial console text: failed on the first failure line, ready on cloud-init's final message, else waiting. */
export function judgeConsole(text: string): ConsoleVerdict {
  const lines = consoleLines(text);
  for (const line of lines) {
    for (const failure of FAILURE_PATTERNS) {
      if (failure.pattern.test(line)) return { state: "failed", reason: failure.reason, line: line.trim() };
    }
  }
  for (const line of lines) if (READY_PATTERN.test(line)) return { state: "ready", line: line.trim() };
  return { state: "waiting" };
}

/** The last `count` non-empty lines, for an error message. */
export function tailLines(text: string, count: number): string[] {
  return consoleLines(text)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .slice(-count);
}

/** The last line worth showing in a status line. */
export function lastLine(text: string): string | undefined {
  return tailLines(text, 1)[0];
}
