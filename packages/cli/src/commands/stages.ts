import { VmforgeError, ExitCode, type StageGraph } from "@vmforge/kernel";
import { parseCommand } from "../options.js";
import { visibleStrings } from "../render/visible.js";
import { discoverPlugins, stageGraphOf } from "../runtime.js";
import { printJson, printJsonLine, type Command } from "./command.js";

export const stagesCommand: Command = {
  name: "stages",
  summary: "show the ordered stage graph",
  usage: "vmforge stages [CONFIG] [--format text|mermaid|dot|json] [--json-lines] [--with STAGE]...",
  help: `Orders the installed plugins' stages by their declared dependencies and by the session keys
they read and write, without loading any stage code. Optional stages are shown when asked for
with --with; conditional ones are marked "when". With --json-lines, one {"event":"stage",...} line
per stage in order, then one {"event":"edge",...} line per edge.`,
  async run(argv, io) {
    const { values, global } = parseCommand(argv, { format: { type: "string", default: "text" }, with: { type: "string", multiple: true } }, this.usage);
    const format = global.json ? "json" : String(values.format);
    if (!["text", "mermaid", "dot", "json"].includes(format)) {
      throw new VmforgeError("E_USAGE", `Unknown format "${format}".`, { exitCode: ExitCode.usage, fix: "Use --format text, mermaid, dot or json." });
    }
    const { plugins } = await discoverPlugins(global.project, io);
    // The whole graph: a problem of any stage is reported, also of one no run would select.
    const graph = stageGraphOf(plugins, io, { include: (values.with as string[] | undefined) ?? [], strict: true });
    if (global.jsonLines) {
      graph.stages.forEach((stage, index) => printJsonLine(io, { event: "stage", index: index + 1, ...stage }));
      for (const edge of graph.edges) printJsonLine(io, { event: "edge", ...edge });
    } else if (format === "json") printJson(io, graph);
    else io.stdout.write(`${renderGraph(visibleStrings(graph), format)}\n`);
    return 0;
  },
};

export function renderGraph(graph: StageGraph, format: string): string {
  const label = (edge: StageGraph["edges"][number]) => (edge.via === "depends" ? "" : edge.via.key);
  if (format === "mermaid") {
    const ids = new Map(graph.stages.map((stage, index) => [stage.id, `s${index}`]));
    return [
      "flowchart TD",
      ...graph.stages.map((stage) => `  ${ids.get(stage.id)}["${stage.id}${stage.conditional ? " (when)" : ""}"]`),
      ...graph.edges.map((edge) => `  ${ids.get(edge.from)} -->${label(edge) ? `|${label(edge)}|` : ""} ${ids.get(edge.to)}`),
    ].join("\n");
  }
  if (format === "dot") {
    return [
      "digraph stages {",
      "  rankdir=TB;",
      ...graph.stages.map((stage) => `  "${stage.id}"${stage.conditional || stage.optional ? " [style=dashed]" : ""};`),
      ...graph.edges.map((edge) => `  "${edge.from}" -> "${edge.to}"${label(edge) ? ` [label="${label(edge)}"]` : ""};`),
      "}",
    ].join("\n");
  }
  return graph.stages
    .map((stage, index) => {
      const flags = [stage.optional ? "optional" : "", stage.conditional ? "when" : ""].filter(Boolean).join(", ");
      const io = [stage.reads.length ? `reads ${stage.reads.map((read) => read.key + (read.optional ? "?" : "")).join(", ")}` : "", [...stage.writes, ...stage.adds].length ? `writes ${[...stage.writes, ...stage.adds.map((key) => `${key}[]`)].join(", ")}` : ""]
        .filter(Boolean)
        .join("; ");
      return `${String(index + 1).padStart(2)}. ${stage.id}${flags ? ` (${flags})` : ""}  ${stage.plugin}${io ? `\n      ${io}` : ""}`;
    })
    .join("\n");
}
