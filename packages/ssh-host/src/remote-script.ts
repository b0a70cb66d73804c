/**
 * The program the remote side runs: POSIX sh and coreutils, nothing installed. It answers one
 * request a line, in order, until its input ends:
 *
 *   S PATH   what PATH is, not following a symlink at its end:
 *              `L TARGET`          a symlink and its target
 *              `D`, entries, `.`   a folder, then one `KIND NAME` line an entry (KIND: d folder,
 *                                  l symlink, f regular file, o anything else) and a `.` line
 *              `F` a regular file, `B` a block device, `O` something else that exists, `N` nothing
 *   C PATH   a regular file's content: `C n` + n bytes (at most LIMIT + 1, so a larger file is
 *            seen as too large by the reader's own bound), or `U`
 *
 * and, for `apply`, three that change the host, each answered `K` (done) or `E WHY` (one line;
 * `E EEXIST` when an exclusive write finds something at the path):
 *
 *   W PATH   a file: a `MODE EXCLUSIVE SIZE` line and SIZE bytes follow; they go to a new
 *            temporary file beside PATH, which is then renamed over PATH (EXCLUSIVE 0) or
 *            hard-linked to it, never replacing anything (EXCLUSIVE 1)
 *   M PATH   `mkdir -p`
 *   X COUNT  a program: COUNT lines follow, its argument vector (no shell reads them); it runs
 *            with no input, answered `R EXIT`, then its output and its errors as two `C n` replies
 *
 * Only a link's target and a file's content start a program (readlink; head, wc and cat); the
 * rest is shell builtins, because a fork per request is what a remote check waits for.
 * It is passed as `sh -c '...'` through the remote user's login shell, so it holds no single
 * quote and no backslash (which fish and csh treat differently): lines end with the `$n`
 * variable, a quoted newline.
 */
export const PROTOCOL_GREETING = "vmforge-ssh-host 3";

export function remoteScript(limit: number): string {
  return [
    `L=${limit + 1}`,
    'n="',
    '"',
    "t=$(mktemp) && o=$(mktemp) && e=$(mktemp) || exit 70",
    'trap "rm -f -- $t $o $e" 0',
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
    '    elif [ -b "$p" ]; then printf "B$n"',
    '    elif [ -e "$p" ]; then printf "O$n"',
    '    else printf "N$n"; fi;;',
    "  C*)",
    '    if [ -f "$p" ] && head -c "$L" -- "$p" > "$t" 2>/dev/null; then printf "%s$n" "C $(wc -c < "$t")"; cat -- "$t"; else printf "U$n"; fi;;',
    "  W*)",
    '    IFS=" " read -r m x s',
    '    case "$m$x$s" in *[!0-9]*|"") printf "E a bad write header$n"; continue;; esac',
    '    w=$(mktemp "${p%/*}/.vmforge-XXXXXX" 2>"$e") || w=',
    '    if [ -n "$w" ]; then head -c "$s" > "$w"; else head -c "$s" > /dev/null; fi',
    '    if [ -z "$w" ]; then printf "%s$n" "E $(head -n 1 "$e")"',
    '    elif [ "$(wc -c < "$w")" -ne "$s" ]; then rm -f -- "$w"; printf "E the input ended early$n"',
    '    elif ! chmod "$m" "$w" 2>"$e"; then rm -f -- "$w"; printf "%s$n" "E $(head -n 1 "$e")"',
    '    elif [ "$x" = 1 ] && { [ -e "$p" ] || [ -L "$p" ]; }; then rm -f -- "$w"; printf "E EEXIST$n"',
    '    elif [ "$x" = 1 ]; then',
    '      if ln "$w" "$p" 2>"$e"; then rm -f -- "$w"; printf "K$n"; else rm -f -- "$w"; printf "%s$n" "E $(head -n 1 "$e")"; fi',
    '    elif [ -d "$p" ] && [ ! -L "$p" ]; then rm -f -- "$w"; printf "E it is a folder$n"',
    '    elif mv -f "$w" "$p" 2>"$e"; then printf "K$n"',
    '    else rm -f -- "$w"; printf "%s$n" "E $(head -n 1 "$e")"; fi;;',
    "  M*)",
    '    if mkdir -p -- "$p" 2>"$e"; then printf "K$n"; else printf "%s$n" "E $(head -n 1 "$e")"; fi;;',
    "  X*)",
    '    case "$p" in *[!0-9]*|"") p=0;; esac',
    "    set --",
    "    i=0",
    '    while [ "$i" -lt "$p" ] && IFS= read -r a; do set -- "$@" "$a"; i=$((i + 1)); done',
    '    "$@" < /dev/null > "$o" 2> "$e"',
    '    printf "%s$n" "R $?"',
    '    head -c "$L" "$o" > "$t"; printf "%s$n" "C $(wc -c < "$t")"; cat -- "$t"',
    '    head -c "$L" "$e" > "$t"; printf "%s$n" "C $(wc -c < "$t")"; cat -- "$t";;',
    '  *) printf "U$n";;',
    "  esac",
    "done",
  ].join("\n");
}

/**
 * `sh -c '<script>'`, the one command ssh runs there. `asRoot` (apply): a user other than root
 * runs it through `sudo -n` (never a password prompt), so a user with sudo rights can set up a VM.
 */
export function remoteCommand(limit: number, options: { asRoot?: boolean } = {}): string {
  const script = remoteScript(limit);
  if (script.includes("'") || script.includes("\\")) throw new Error("the remote script must hold no quote or backslash");
  if (!options.asRoot) return `exec /bin/sh -c '${script}'`;
  // The script is the launcher's $0: no quoting of it inside the launcher.
  return `exec /bin/sh -c 'if [ "$(id -u)" = 0 ]; then exec /bin/sh -c "$0"; fi; exec sudo -n /bin/sh -c "$0"' '${script}'`;
}
