// Cold start: `vmforge --version` and `vmforge plugins --json` (the repo's own package.json lists
// the seven first-party plugins) against `node -e 0`.
import { alternate, freshHomes, row } from "../lib.mjs";

export const name = "startup";
export const tags = ["cli"];
export const peers = [];

export async function run({ root, cli, node }) {
  const env = freshHomes();
  const baseline = { label: "node", file: node, args: ["-e", "0"] };
  const version = { label: "version", file: node, args: [cli, "--version"], cwd: root, env };
  const plugins = { label: "plugins", file: node, args: [cli, "plugins", "--json"], cwd: root, env };
  const results = await alternate([version, baseline, plugins]);
  const against = [{ name: "`node -e 0`", result: results.get("node") }];
  return {
    rows: [
      row("`node -e 0` (baseline of the next 2 rows)", results.get("node")),
      row("`vmforge --version`", results.get("version"), { against }),
      row("`vmforge plugins --json` (8 first-party plugins)", results.get("plugins"), { against, target: { limit: 1.3, text: "≤ 1.3x `node -e 0`" } }),
    ],
  };
}
