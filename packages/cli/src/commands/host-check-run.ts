import { ExitCode, VmforgeError } from "@vmforge/kernel";
import type { Runtime } from "../runtime.js";

export const HOST_REPORT_KEY = "host_report";

/**
 * Runs the stages that produce session.host_report on the runtime's host: the exit code (3 when
 * the host cannot run KVM guests) and what the report's Result message carries.
 */
export async function runHostCheck(runtime: Runtime, flags: Record<string, unknown> = {}): Promise<{ exitCode: number; data: Record<string, unknown> }> {
  // From the manifests, not a plan of every stage: a broken plugin whose stages check does not run must not stop it.
  const checks = runtime.plugins.some((plugin) => plugin.stages.some((stage) => stage.writes?.includes(HOST_REPORT_KEY)));
  if (!checks) {
    throw new VmforgeError("E_NO_CHECK_PLUGIN", "No installed plugin checks the host.", {
      exitCode: ExitCode.usage,
      fix: "Install it in your project: npm install @vmforge/plugin-env-check",
    });
  }
  const report = await runtime.kernel.run({ selection: { targetKeys: [HOST_REPORT_KEY] }, input: { flags } });
  const result = runtime.kernel.ui.history().filter((message) => message.type === "Result").at(-1);
  return {
    exitCode: report.hostUnfit.length > 0 ? ExitCode.hostUnfit : ExitCode.ok,
    data: (result && "data" in result ? result.data : {}) as Record<string, unknown>,
  };
}
