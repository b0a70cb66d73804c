import { VmforgeError, ExitCode, type Problem } from "./errors.js";
import { normalizeRead, type StageDeclaration, type SessionRead } from "./manifest.js";

export interface GraphStage {
  plugin: string;
  declaration: StageDeclaration;
}

export interface StageEdge {
  from: string;
  to: string;
  /** `depends` for an explicit dependsOn, otherwise the session key that links them. */
  via: "depends" | { key: string };
}

export interface OrderedStage {
  id: string;
  plugin: string;
  description: string;
  optional: boolean;
  conditional: boolean;
  after: string[];
  reads: SessionRead[];
  writes: string[];
  adds: string[];
}

export interface StageSelection {
  /** Run only what is needed to produce these session keys (plus their dependencies). */
  targetKeys?: string[];
  /** Run only these stages (plus their dependencies). */
  targetStages?: string[];
  /** Optional stages asked for explicitly. */
  include?: string[];
}

export interface StageGraph {
  stages: OrderedStage[];
  edges: StageEdge[];
}

/**
 * Orders stages by explicit `dependsOn` and by data: a stage that reads a key runs after
 * every stage that writes or adds to it. Reports every structural problem at once.
 */
export function buildStageGraph(all: GraphStage[], selection: StageSelection = {}): StageGraph {
  const problems: Problem[] = [];
  const byId = new Map<string, GraphStage>();
  for (const stage of all) {
    const existing = byId.get(stage.declaration.id);
    if (existing) {
      problems.push(
        existing.plugin === stage.plugin
          ? {
              code: "E_STAGE_DUPLICATE",
              message: `Stage ${stage.declaration.id} is declared twice by ${stage.plugin}.`,
              fix: `Stage ids are unique; rename one of the two stages in ${stage.plugin} (a plugin bug).`,
            }
          : {
              code: "E_STAGE_DUPLICATE",
              message: `Stage ${stage.declaration.id} is declared by both ${existing.plugin} and ${stage.plugin}.`,
              fix: `Uninstall one of the two packages, or rename the stage in the plugin you maintain.`,
            },
      );
      continue;
    }
    byId.set(stage.declaration.id, stage);
  }

  const writers = new Map<string, string[]>();
  const adders = new Map<string, string[]>();
  for (const { declaration } of byId.values()) {
    for (const key of new Set(declaration.writes ?? [])) push(writers, key, declaration.id);
    for (const key of new Set(declaration.adds ?? [])) push(adders, key, declaration.id);
  }
  const described = (id: string): string => `${id} (${byId.get(id)!.plugin})`;
  for (const [key, ids] of writers) {
    if (ids.length > 1) {
      problems.push({
        code: "E_SESSION_TWO_WRITERS",
        message: `session.${key} is written by ${ids.length} stages: ${ids.map(described).join(", ")}.`,
        fix: `A value key has one writer; declare it as a collection (adds) or uninstall one plugin.`,
      });
    }
    if (adders.has(key)) {
      problems.push({
        code: "E_SESSION_KIND_MISMATCH",
        message: `session.${key} is written as a value by ${ids.map(described).join(", ")} and added to as a collection by ${adders.get(key)!.map(described).join(", ")}.`,
        fix: `A key is either a value (writes, one writer) or a collection (adds, many adders); the plugins disagree, so one of them declares it wrongly.`,
      });
    }
  }

  // Problems of one stage count only when that stage is selected: an optional stage nobody asked
  // for, or a stage outside the targets, must not block the run.
  const stageProblems: Array<{ stage: string; problem: Problem }> = [];
  const problemOf = (stage: string, problem: Problem): void => void stageProblems.push({ stage, problem });
  const edges: StageEdge[] = [];
  const incoming = new Map<string, Set<string>>();
  for (const id of byId.keys()) incoming.set(id, new Set());
  for (const { declaration, plugin } of byId.values()) {
    for (const dep of declaration.dependsOn ?? []) {
      if (dep === declaration.id) {
        problemOf(declaration.id, {
          code: "E_STAGE_CYCLE",
          message: `Stages wait on each other in a cycle: ${dep} -> ${dep} (${plugin}).`,
          fix: `Remove ${dep} from its own dependsOn.`,
        });
        continue;
      }
      if (!byId.has(dep)) {
        problemOf(declaration.id, {
          code: "E_STAGE_UNKNOWN_DEPENDENCY",
          message: `Stage ${declaration.id} (${plugin}) depends on ${dep}, which no installed plugin declares.`,
          fix: `Install the plugin that provides ${dep.split(":")[0]} stages.`,
        });
        continue;
      }
      addEdge(edges, incoming, dep, declaration.id, "depends");
    }
    for (const read of (declaration.reads ?? []).map(normalizeRead)) {
      const allProducers = [...(writers.get(read.key) ?? []), ...(adders.get(read.key) ?? [])];
      const producers = allProducers.filter((id) => id !== declaration.id);
      if (allProducers.length === 0 && !read.optional) {
        problemOf(declaration.id, {
          code: "E_SESSION_NO_PROVIDER",
          message: read.provider
            ? `Stage ${declaration.id} (${plugin}) reads session.${read.key}, which ${read.provider} provides, but no installed plugin writes it.`
            : `Stage ${declaration.id} (${plugin}) reads session.${read.key}, but no installed plugin writes it.`,
          fix: read.provider ? `Install ${read.provider}: \`npm install ${read.provider}\` in your project.` : `Install the plugin that writes session.${read.key}.`,
        });
      }
      for (const producer of producers) addEdge(edges, incoming, producer, declaration.id, { key: read.key });
    }
  }

  const selected = selectStages(byId, incoming, selection, writers, adders, problems);
  for (const { stage, problem } of stageProblems) if (selected.has(stage)) problems.push(problem);
  const order = topologicalOrder([...byId.keys()].filter((id) => selected.has(id)), incoming, problems);

  if (problems.length > 0) {
    throw new VmforgeError("E_STAGE_GRAPH", `The installed plugins do not make a runnable pipeline (${problems.length} problem${problems.length === 1 ? "" : "s"}).`, {
      exitCode: ExitCode.usage,
      problems,
      why: "Stages are ordered by what they read and write; every read needs a writer and the order must have no cycle.",
    });
  }

  const keep = new Set(order);
  return {
    stages: order.map((id) => {
      const { declaration, plugin } = byId.get(id)!;
      return {
        id,
        plugin,
        description: declaration.description,
        optional: declaration.optional === true,
        conditional: typeof declaration.when === "function",
        after: [...incoming.get(id)!].filter((from) => keep.has(from)),
        reads: (declaration.reads ?? []).map(normalizeRead),
        writes: declaration.writes ?? [],
        adds: declaration.adds ?? [],
      };
    }),
    edges: edges.filter((edge) => keep.has(edge.from) && keep.has(edge.to)),
  };
}

function selectStages(
  byId: Map<string, GraphStage>,
  incoming: Map<string, Set<string>>,
  selection: StageSelection,
  writers: Map<string, string[]>,
  adders: Map<string, string[]>,
  problems: Problem[],
): Set<string> {
  const include = new Set(selection.include ?? []);
  for (const id of include) {
    if (!byId.has(id)) problems.push({ code: "E_STAGE_UNKNOWN", message: `No installed plugin declares stage ${id}.`, fix: "Run `vmforge stages` to list the stages you have." });
  }
  const wanted = (id: string): boolean => {
    const declaration = byId.get(id)!.declaration;
    return !declaration.optional || include.has(id) || typeof declaration.when === "function";
  };

  let roots: string[];
  // An empty target list means no targets (a command line passing `[]`), not "run nothing".
  if (selection.targetKeys?.length || selection.targetStages?.length) {
    roots = [...(selection.targetStages ?? [])];
    for (const key of selection.targetKeys ?? []) {
      const producers = [...(writers.get(key) ?? []), ...(adders.get(key) ?? [])];
      if (producers.length === 0) {
        problems.push({ code: "E_SESSION_NO_PROVIDER", message: `No installed plugin writes session.${key}, so it cannot be produced.`, fix: `Install the plugin that writes session.${key}.` });
      }
      roots.push(...producers);
    }
    for (const id of selection.targetStages ?? []) {
      if (!byId.has(id)) problems.push({ code: "E_STAGE_UNKNOWN", message: `No installed plugin declares stage ${id}.`, fix: "Run `vmforge stages` to list the stages you have." });
    }
    roots = roots.filter((id) => byId.has(id));
  } else {
    roots = [...byId.keys()].filter(wanted);
  }

  const needed = (from: string, to: string): boolean => {
    if (wanted(from)) return true;
    const declaration = byId.get(to)!.declaration;
    if ((declaration.dependsOn ?? []).includes(from)) return true;
    const writes = new Set(byId.get(from)!.declaration.writes ?? []);
    return (declaration.reads ?? []).map(normalizeRead).some((read) => !read.optional && writes.has(read.key));
  };
  const selected = new Set<string>();
  const visit = (id: string): void => {
    if (selected.has(id)) return;
    selected.add(id);
    for (const from of incoming.get(id) ?? []) if (needed(from, id)) visit(from);
  };
  roots.forEach(visit);
  return selected;
}

/** Kahn's algorithm, stable: ties keep the order in which plugins and stages were declared. */
function topologicalOrder(ids: string[], incoming: Map<string, Set<string>>, problems: Problem[]): string[] {
  const members = new Set(ids);
  const remaining = new Map(ids.map((id) => [id, new Set([...incoming.get(id)!].filter((from) => members.has(from)))]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const next = ids.find((id) => remaining.has(id) && remaining.get(id)!.size === 0);
    if (next === undefined) {
      const cycle = findCycle(remaining);
      problems.push({
        code: "E_STAGE_CYCLE",
        message: `Stages wait on each other in a cycle: ${cycle.join(" -> ")}.`,
        fix: "Remove one dependsOn, or make one of the reads optional.",
      });
      // Take the cycle out and go on, so a second, separate cycle is reported in the same error.
      for (const id of cycle) remaining.delete(id);
      for (const deps of remaining.values()) for (const id of cycle) deps.delete(id);
      continue;
    }
    order.push(next);
    remaining.delete(next);
    for (const deps of remaining.values()) deps.delete(next);
  }
  return order;
}

function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = remaining.keys().next().value as string;
  const path: string[] = [];
  const seen = new Map<string, number>();
  let current = start;
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    current = [...remaining.get(current)!][0]!;
  }
  return [...path.slice(seen.get(current)!), current].reverse();
}

function addEdge(edges: StageEdge[], incoming: Map<string, Set<string>>, from: string, to: string, via: StageEdge["via"]): void {
  if (from === to) return;
  edges.push({ from, to, via });
  incoming.get(to)!.add(from);
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
