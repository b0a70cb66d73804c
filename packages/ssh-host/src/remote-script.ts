/**
 * The program the remote side runs: POSIX sh and coreutils, nothing installed. It answers one
 * request a line, in order, until its input ends:
 *
 *   S PATH   what PATH is, not following a symlink at its end:
 *              `L TARGET`          a symlink and its target
 *              `D`, entries, `.`   a folder, then one `KIND NAME` line an entry (KIND: d folder,
 *                                  l symlink, f regular file, o anything else) and a `.` line
 *              `F` a regular file, `O` something else that exists (a device), `N` nothing
 *   C PATH   a regular file's content: `C n` + n bytes (at most LIMIT + 1, so a larger file is
 *            seen as too large by the reader's own bound), or `U`
 *
 * Only a link's target and a file's content start a program (readlink; head, wc and cat); the
 * rest is shell builtins, because a fork per request is what a remote check waits for.
 * It is passed as `sh -c '...'` through the remote user's login shell, so it holds no single
 * quote and no backslash (which fish and csh treat differently): lines end with the `$n`
 * variable, a quoted newline.
 */
export const PROTOCOL_GREETING = "vmforge-ssh-host 2";

export function remoteScript(limit: number): string {
  return [
    `L=${limit + 1}`,
    'n="',
    '"',
    "t=$(mktemp) || exit 70",
    'trap "rm -f -- $t" 0',
    `printf "%s$n" "${PROTOCOL_GREETING}"`,
    "while IFS= read -r r; do",
    '  p=${r#? }',
    '  case "$r" in',
    "  S*)",
    '    if [ -L "$p" ]; then printf "%s$n" "L $(readlink -- "$p")"',
    '    elif [ -d "$p" ]; then',
    '      printf "D$n"',
    '      for f in "$p"/* "$p"/.[!.]* "$p"/..?*; do',
    '        if [ -L "$f" ]; then k=l; elif [ -d "$f" ]; then k=d; elif [ -f "$f" ]; then k=f; elif [ -e "$f" ]; then k=o; else continue; fi',
    '        printf "%s$n" "$k ${f##*/}"',
    "      done",
    '      printf ".$n"',
    '    elif [ -f "$p" ]; then printf "F$n"',
    '    elif [ -e "$p" ]; then printf "O$n"',
    '    else printf "N$n"; fi;;',
    "  C*)",
    '    if [ -f "$p" ] && head -c "$L" -- "$p" > "$t" 2>/dev/null; then printf "%s$n" "C $(wc -c < "$t")"; cat -- "$t"; else printf "U$n"; fi;;',
    '  *) printf "U$n";;',
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
