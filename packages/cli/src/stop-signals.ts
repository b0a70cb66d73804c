import type { Kernel, StopSignal } from "@vmforge/kernel";

const EXIT_AT_ONCE: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * While a run goes on, SIGINT (Ctrl-C) and SIGTERM stop it cleanly through the kernel: the
 * running step finishes, nothing further starts, the run ends with E_INTERRUPTED. A second
 * signal stops the process at once, as a person pressing Ctrl-C twice expects. Returns the
 * function that puts the default handling back.
 */
export function stopRunOnSignals(kernel: Kernel): () => void {
  let received = 0;
  const onSignal = (signal: StopSignal): void => {
    received += 1;
    if (received > 1) process.exit(EXIT_AT_ONCE[signal]);
    kernel.ui.sendMessage({
      type: "Warn",
      code: "W_STOPPING",
      text: `${signal}: stopping once the running step is over (a second ${signal === "SIGINT" ? "Ctrl-C" : "signal"} stops at once, leaving it unfinished).`,
    });
    kernel.interrupt(signal);
  };
  const onInt = (): void => onSignal("SIGINT");
  const onTerm = (): void => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}
