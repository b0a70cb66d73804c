import { LineCounter, isMap, isScalar, parseDocument, visit, type Document, type Node } from "yaml";
import type { Problem } from "@vmforge/kernel";
import { CLOUD_CONFIG_HEADER } from "./user-data.js";
import { LinuxErrorCode } from "./errors.js";
import { collectionTagProblem, typingProblem } from "./pyyaml-agreement.js";
import { describeCharacter, unsafeCharacterIn } from "./yaml-safe-text.js";

export interface ParsedUserData {
  config: Record<string, unknown>;
  keyLines: Record<string, number>;
}

export type UserDataResult = { ok: true; value: ParsedUserData } | { ok: false; problems: Problem[] };

/** First lines of the other user-data kinds cloud-init knows; they cannot be merged as data. */
const OTHER_KINDS: ReadonlyArray<[prefix: string, what: string]> = [
  ["#!", "a shell script"],
  ["content-type:", "a MIME multi-part document"],
  ["mime-version:", "a MIME multi-part document"],
  ["#include", "an #include list"],
  ["## template:", "a Jinja template"],
  ["#cloud-config-archive", "a cloud-config archive"],
  ["#cloud-boothook", "a boothook"],
  ["#part-handler", "a part handler"],
  ["#upstart-job", "an upstart job"],
];

/**
 * The user's #cloud-config, read as cloud-init reads it (YAML 1.1). Every problem comes with
 * the file and line: syntax errors, other user-data kinds, a top level that is not a mapping,
 * keys YAML 1.1 reads as something other than a string, characters that cannot travel.
 */
export function parseUserDataFile(file: string, text: string): UserDataResult {
  const firstLine = (text.split(/\r?\n/, 1)[0] ?? "").trimEnd();
  const other = OTHER_KINDS.find(([prefix]) => firstLine.toLowerCase().startsWith(prefix));
  if (other && firstLine !== CLOUD_CONFIG_HEADER) {
    return fail({
      code: LinuxErrorCode.userDataUnsupported,
      message: `user_data_file is ${other[1]}, not a #cloud-config document`,
      file,
      line: 1,
      sourceLine: firstLine,
      fix: "Give a #cloud-config YAML file; to run commands, put them under runcmd in it (or in [linux] runcmd).",
    });
  }

  const lineCounter = new LineCounter();
  const document = parseDocument(text, { version: "1.1", lineCounter, prettyErrors: true, uniqueKeys: true });
  const lines = text.split(/\r?\n/);
  const located = (offset: number | undefined): Pick<Problem, "line" | "column" | "sourceLine"> => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col, sourceLine: lines[line - 1] ?? "" };
  };

  const syntax = [...document.errors, ...document.warnings].map((error): Problem => {
    const where = located(error.pos[0]);
    return {
      code: LinuxErrorCode.userDataSyntax,
      message: `not valid YAML: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
      file,
      ...where,
      fix: `Correct the YAML at ${file}${where.line ? `:${where.line}` : ""} (or just before it); cloud-init reads it as YAML 1.1.`,
    };
  });
  if (syntax.length > 0) return { ok: false, problems: syntax };

  if (document.contents !== null && !isMap(document.contents)) {
    return fail({
      code: LinuxErrorCode.userDataUnsupported,
      message: "user_data_file must hold a YAML mapping (key: value lines) at the top level",
      file,
      ...located(document.contents.range?.[0]),
      fix: "Write it as a #cloud-config mapping, e.g. `write_files:` or `runcmd:` at the start of a line.",
    });
  }

  const problems = contentProblems(document, file, located);
  if (problems.length > 0) return { ok: false, problems };

  let config: unknown;
  try {
    config = document.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    return fail({ code: LinuxErrorCode.userDataSyntax, message: `not valid YAML: ${(error as Error).message}`, file });
  }
  const keyLines: Record<string, number> = {};
  if (isMap(document.contents)) {
    for (const pair of document.contents.items) {
      if (isScalar(pair.key) && typeof pair.key.value === "string") {
        const line = located(pair.key.range?.[0]).line;
        if (line !== undefined) keyLines[pair.key.value] = line;
      }
    }
  }
  return { ok: true, value: { config: config as Record<string, unknown>, keyLines } };
}

function contentProblems(document: Document, file: string, located: (offset: number | undefined) => Pick<Problem, "line" | "column" | "sourceLine">): Problem[] {
  const problems: Problem[] = [];
  visit(document, {
    Pair(_key, pair) {
      const key = pair.key as Node | null;
      const isMergeKey = isScalar(key) && typeof key.value === "symbol";
      const reportedAsScalar = isScalar(key) && typingProblem(key) !== undefined;
      if (!isMergeKey && !reportedAsScalar && (!isScalar(key) || typeof key.value !== "string")) {
        const shown = isScalar(key) ? String(key.source ?? key.value) : "a complex key";
        problems.push({
          code: LinuxErrorCode.userDataUnsupported,
          message: `the key ${JSON.stringify(shown)} is not read as a string by cloud-init's YAML 1.1 (it is a ${isScalar(key) ? typeof key.value : "collection"})`,
          file,
          ...located(key?.range?.[0]),
          fix: `Quote the key: "${shown}":`,
        });
      }
    },
    Collection(_key, node) {
      const tagged = collectionTagProblem(node);
      if (tagged) problems.push({ code: LinuxErrorCode.userDataAmbiguous, file, ...located(node.range?.[0]), ...tagged });
    },
    Scalar(_key, node) {
      const typing = typingProblem(node);
      if (typing) problems.push({ code: LinuxErrorCode.userDataAmbiguous, file, ...located(node.range?.[0]), ...typing });
      if (typeof node.value !== "string") return;
      const bad = unsafeCharacterIn(node.value);
      if (bad) {
        problems.push({
          code: LinuxErrorCode.userDataUnsafe,
          message: `a string holds ${describeCharacter(bad)}, which cloud-init's YAML reader refuses or reads as a line break`,
          file,
          ...located(node.range?.[0]),
          fix: "Remove the character (or write it as an escape only inside a shell command).",
        });
      }
    },
  });
  return problems;
}

function fail(problem: Problem): UserDataResult {
  return { ok: false, problems: [problem] };
}
