/**
 * The program the remote side runs: POSIX sh and coreutils, nothing installed. It answers one
 * request a line, in order, until its input ends:
 *
 *   S PATH   what PATH is, not following a symlink at its end:
 *            `L n` + n bytes of link target, `D n` + n bytes of names (one a line), `F` a regular
 *            file, `O` something else that exists (a device), `N` nothing, `U` unreadable
 *   C PATH   a regular file's content: `C n` + n bytes (at most LIMIT + 1, so a larger file is
 *            seen as too large by the reader's own bound), or `U`
 *
 * It is passed as `sh -c '...'` through the remote user's login shell, so it holds no single
 * quote and no backslash (which fish and csh treat differently).
 */
export const PROTOCOL_GREETING = "vmforge-ssh-host 1";

export function remoteScript(limit: number): string {
  return [
    `L=${limit + 1}`,
    "t=$(mktemp) || exit 70",
    'trap "rm -f -- $t" 0',
    `echo "${PROTOCOL_GREETING}"`,
    "while IFS= read -r r; do",
    '  p=${r#? }',
    '  case "$r" in',
    "  S*)",
    '    if [ -L "$p" ]; then readlink -- "$p" > "$t" 2>/dev/null || : > "$t"; echo "L $(wc -c < "$t")"; cat -- "$t"',
    '    elif [ -d "$p" ]; then if ls -A1 -- "$p" > "$t" 2>/dev/null; then echo "D $(wc -c < "$t")"; cat -- "$t"; else echo U; fi',
    '    elif [ -f "$p" ]; then echo F',
    '    elif [ -e "$p" ]; then echo O',
    "    else echo N; fi;;",
    "  C*)",
    '    if [ -f "$p" ] && head -c "$L" -- "$p" > "$t" 2>/dev/null; then echo "C $(wc -c < "$t")"; cat -- "$t"; else echo U; fi;;',
    "  *) echo U;;",
    "  esac",
    "done",
  ].join("\n");
}

/** `sh -c '<script>'`, the one command ssh runs there. */
export function remoteCommand(limit: number): string {
  const script = remoteScript(limit);
  if (script.includes("'") || script.includes("\\")) throw new Error("the remote script must hold no quote or backslash");
  return `exec /bin/sh -c '${script}'`;
}
