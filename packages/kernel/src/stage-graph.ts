import { didYouMean } from "./did-you-mean.js";
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
  /**
   * Every stage's structural problems count, selected or not (`vmforge stages`). Otherwise the
   * problems of stages a run does not select are left out of the error and listed in `ignored`,
   * so one broken plugin does not stop a run that does not use it.
   */
  strict?: boolean;
}

export interface StageGraph {
  stages: OrderedStage[];
  edges: StageEdge[];
  /** Structural problems of stages the selection leaves out, with the plugins they concern; absent when none. */
  ignored?: IgnoredProblem[];
}

export interface IgnoredProblem {
  plugins: string[];
  problem: Problem;
}

/**
 * Orders stages by explicit `dependsOn` and by data: a stage that reads a key runs after
 * every stage that writes or adds to it. Reports every structural problem at once.
 */
export function buildStageGraph(all: GraphStage[], selection: StageSelection = {}): StageGraph {
  // Problems of the selection as a whole (an unknown target) always count; a problem that
  // concerns stages counts when one of them is selected (or in strict mode).
  const problems: Problem[] = [];
  const stageProblems: Array<{ stages: string[]; problem: Problem }> = [];
  const problemOf = (stages: string[], problem: Problem): void => void stageProblems.push({ stages, problem });
  const byId = new Map<string, GraphStage>();
  for (const stage of all) {
    const existing = byId.get(stage.declaration.id);
    if (existing) {
      problemOf(
        [stage.declaration.id],
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
  const pluginsOf = (ids: string[]): string[] => {
    const names = ids.map((id) => byId.get(id)?.plugin).filter((name): name is string => name !== undefined);
    // A duplicate's second declarer is no stage of the graph; name it from the declarations.
    for (const id of ids) for (const stage of all) if (stage.declaration.id === id) names.push(stage.plugin);
    return [...new Set(names)];
  };

  const writers = new Map<string, string[]>();
  const adders = new Map<string, string[]>();
  for (const { declaration } of byId.values()) {
    for (const key of new Set(declaration.writes ?? [])) push(writers, key, declaration.id);
    for (const key of new Set(declaration.adds ?? [])) push(adders, key, declaration.id);
  }
  const described = (id: string): string => `${id} (${byId.get(id)!.plugin})`;
  for (const [key, ids] of writers) {
    if (ids.length > 1) {
      problemOf(ids, {
        code: "E_SESSION_TWO_WRITERS",
        message: `session.${key} is written by ${ids.length} stages: ${ids.map(described).join(", ")}.`,
        fix: `A value key has one writer; declare it as a collection (adds) or uninstall one plugin.`,
      });
    }
    if (adders.has(key)) {
      problemOf([...ids, ...adders.get(key)!], {
        code: "E_SESSION_KIND_MISMATCH",
        message: `session.${key} is written as a value by ${ids.map(described).join(", ")} and added to as a collection by ${adders.get(key)!.map(described).join(", ")}.`,
        fix: `A key is either a value (writes, one writer) or a collection (adds, many adders); the plugins disagree, so one of them declares it wrongly.`,
      });
    }
  }

  const edges: StageEdge[] = [];
  const incoming = new Map<string, Set<string>>();
  for (const id of byId.keys()) incoming.set(id, new Set());
  const stageIds = [...byId.keys()];
  for (const { declaration, plugin } of byId.values()) {
    for (const dep of declaration.dependsOn ?? []) {
      if (dep === declaration.id) {
        problemOf([declaration.id], {
          code: "E_STAGE_CYCLE",
          message: `Stages wait on each other in a cycle: ${dep} -> ${dep} (${plugin}).`,
          fix: `Remove ${dep} from its own dependsOn.`,
        });
        continue;
      }
      if (!byId.has(dep)) {
        problemOf([declaration.id], unknownDependency(declaration.id, plugin, dep, stageIds));
        continue;
      }
      addEdge(edges, incoming, dep, declaration.id, "depends");
    }
    for (const read of (declaration.reads ?? []).map(normalizeRead)) {
      const written = writers.get(read.key) ?? [];
      const added = adders.get(read.key) ?? [];
      if (written.length + added.length === 0 && !read.optional) {
        problemOf([declaration.id], {
          code: "E_SESSION_NO_PROVIDER",
          message: read.provider
            ? `Stage ${declaration.id} (${plugin}) reads session.${read.key}, which ${read.provider} provides, but no installed plugin writes it.`
            : `Stage ${declaration.id} (${plugin}) reads session.${read.key}, but no installed plugin writes it.`,
          fix: read.provider ? `Install ${read.provider}: \`npm install ${read.provider}\` in your project.` : `Install the plugin that writes session.${read.key}.`,
        });
      }
      for (const producers of [written, added]) for (const producer of producers) addEdge(edges, incoming, producer, declaration.id, { key: read.key });
    }
  }

  const selected = selectStages(byId, incoming, selection, writers, adders, problems);
  const ignored: IgnoredProblem[] = [];
  for (const { stages, problem } of stageProblems) {
    if (selection.strict || stages.some((id) => selected.has(id))) problems.push(problem);
    else ignored.push({ plugins: pluginsOf(stages), problem });
  }
  const explain = (cycle: string[]): Problem => cycleProblem(cycle, edges, byId);
  const order = topologicalOrder(
    stageIds.filter((id) => selected.has(id)),
    incoming,
    (cycle) => void (selection.strict ? undefined : problems.push(explain(cycle))),
  );
  if (selection.strict) {
    // Every cycle of the whole graph, also one through a stage the selection leaves out.
    topologicalOrder(stageIds, incoming, (cycle) => void problems.push(explain(cycle)));
  } else {
    // Cycles among the stages left out are only listed.
    const outside = stageIds.filter((id) => !selected.has(id));
    if (outside.length > 0) topologicalOrder(outside, incoming, (cycle) => void ignored.push({ plugins: pluginsOf(cycle), problem: explain(cycle) }));
  }

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
    ...(ignored.length > 0 ? { ignored } : {}),
  };
}

/**
 * A dependsOn naming no stage: a typo of an installed stage id gets a did-you-mean; an id of
 * a plugin that is installed is unknown to it; a prefix no installed plugin uses needs a plugin.
 */
function unknownDependency(stage: string, plugin: string, dep: string, stageIds: string[]): Problem {
  const suggestion = didYouMean(dep, stageIds.filter((id) => id !== stage));
  const prefix = dep.split(":")[0]!;
  const prefixKnown = stageIds.some((id) => id.split(":")[0] === prefix);
  const head = `Stage ${stage} (${plugin}) depends on ${dep}`;
  if (suggestion) {
    return {
      code: "E_STAGE_UNKNOWN_DEPENDENCY",
      message: `${head}, an unknown stage id; did you mean ${suggestion}?`,
      fix: `Correct the dependsOn of ${stage} in ${plugin}: "${dep}" -> "${suggestion}".`,
    };
  }
  if (prefixKnown) {
    return {
      code: "E_STAGE_UNKNOWN_DEPENDENCY",
      message: `${head}, an unknown stage id: the installed plugins declare no such ${prefix}: stage.`,
      fix: `Correct the dependsOn of ${stage} in ${plugin}; \`vmforge stages\` lists the stage ids there are.`,
    };
  }
  return {
    code: "E_STAGE_UNKNOWN_DEPENDENCY",
    message: `${head}, but no installed plugin declares ${prefix}: stages.`,
    fix: `Install the plugin that provides the ${prefix}: stages, or correct the dependsOn of ${stage} in ${plugin}.`,
  };
}

/**
 * A cycle with the edges that make it: `a:x --(writes session.foo, read by)--> b:y`, and for
 * each edge the change that would break it. `cycle` runs from a stage to the one that waits on it.
 */
function cycleProblem(cycle: string[], edges: StageEdge[], byId: Map<string, GraphStage>): Problem {
  const links: string[] = [];
  const fixes: string[] = [];
  for (let index = 0; index + 1 < cycle.length; index++) {
    const from = cycle[index]!;
    const to = cycle[index + 1]!;
    const between = edges.filter((edge) => edge.from === from && edge.to === to);
    const labels: string[] = [];
    const target = byId.get(to)!;
    for (const edge of between) {
      if (edge.via === "depends") {
        labels.push("is in the dependsOn of");
        fixes.push(`remove ${from} from the dependsOn of ${to} (${target.plugin})`);
        continue;
      }
      const key = edge.via.key;
      const producer = byId.get(from)!.declaration;
      labels.push(`${(producer.writes ?? []).includes(key) ? "writes" : "adds to"} session.${key}, read by`);
      const read = (target.declaration.reads ?? []).map(normalizeRead).find((candidate) => candidate.key === key);
      fixes.push(
        read?.optional
          ? `${to} (${target.plugin}) must not read session.${key}, or ${from} (${byId.get(from)!.plugin}) must not write it (an optional read still waits for its writers)`
          : `${to} (${target.plugin}) must not read session.${key}, or ${from} (${byId.get(from)!.plugin}) must not write it, or the read is marked optional ({ key: "${key}", optional: true })`,
      );
    }
    links.push(`${from} --(${labels.join("; ")})--> ${to}`);
  }
  const path = links.map((link, index) => (index === 0 ? link : link.slice(link.indexOf(" --(")))).join("");
  return {
    code: "E_STAGE_CYCLE",
    message: `Stages wait on each other in a cycle: ${path}.`,
    fix: `Break one edge of it: ${fixes.join("; or ")}.`,
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
  // Without recursion: a chain of many thousand stages would overflow the stack.
  const selected = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (selected.has(id)) continue;
    selected.add(id);
    for (const from of incoming.get(id) ?? []) if (!selected.has(from) && needed(from, id)) pending.push(from);
  }
  return selected;
}

/**
 * Kahn's algorithm, stable: ties keep the order in which plugins and stages were declared (the
 * earliest declared ready stage goes next). In-degree counts and a heap of ready positions keep
 * it O((stages + edges) log stages): pipelines of thousands of stages order at once.
 */
function topologicalOrder(ids: string[], incoming: Map<string, Set<string>>, onCycle: (cycle: string[]) => void): string[] {
  const position = new Map(ids.map((id, index) => [id, index]));
  const waitingOn = new Array<number>(ids.length).fill(0);
  const outgoing: number[][] = ids.map(() => []);
  ids.forEach((id, index) => {
    for (const from of incoming.get(id)!) {
      const before = position.get(from);
      if (before === undefined) continue;
      waitingOn[index]!++;
      outgoing[before]!.push(index);
    }
  });
  const ready = new MinHeap();
  waitingOn.forEach((count, index) => void (count === 0 && ready.push(index)));
  const done = new Array<boolean>(ids.length).fill(false);
  let left = ids.length;
  const take = (index: number): void => {
    done[index] = true;
    left--;
    for (const next of outgoing[index]!) if (!done[next] && --waitingOn[next]! === 0) ready.push(next);
  };
  const order: string[] = [];
  while (left > 0) {
    const next = ready.pop();
    if (next === undefined) {
      const cycle = findCycle(ids, incoming, (id) => {
        const index = position.get(id);
        return index !== undefined && !done[index];
      });
      onCycle(cycle);
      // Take the cycle out and go on, so a second, separate cycle is reported in the same error.
      for (const id of new Set(cycle)) take(position.get(id)!);
      continue;
    }
    if (done[next]) continue;
    order.push(ids[next]!);
    take(next);
  }
  return order;
}

/** A cycle among the stages left: from the first one declared, follow the first stage each waits on until one repeats. */
function findCycle(ids: string[], incoming: Map<string, Set<string>>, isLeft: (id: string) => boolean): string[] {
  let current = ids.find(isLeft)!;
  const path: string[] = [];
  const seen = new Map<string, number>();
  while (!seen.has(current)) {
    seen.set(current, path.length);
    path.push(current);
    for (const from of incoming.get(current)!) {
      if (isLeft(from)) {
        current = from;
        break;
      }
    }
  }
  return [...path.slice(seen.get(current)!), current].reverse();
}

/** A binary min-heap of positions. */
class MinHeap {
  readonly #items: number[] = [];

  push(value: number): void {
    const items = this.#items;
    let index = items.push(value) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent]! <= value) break;
      items[index] = items[parent]!;
      index = parent;
    }
    items[index] = value;
  }

  pop(): number | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && items[right]! < items[left]! ? right : left;
      if (items[child]! >= last) break;
      items[index] = items[child]!;
      index = child;
    }
    items[index] = last;
    return top;
  }
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
