#!/usr/bin/env bash
# Counts repeated code with the workplace's `duplicates` command, the way issue 12 measures it,
# on a copy of the tree in which every Go import block is written as one `import "path"` line
# per package. `duplicates` passes over import lines but reads the lines of a parenthesized
# block as code, so without this two files that import the same six packages count as a
# duplicate. Nothing in the working tree is changed. Arguments go to `duplicates`
# (e.g. --most 100).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v duplicates >/dev/null || { echo "duplicates: command not found (a workplace tool, not part of the build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
	[ -f "$f" ] || continue
	mkdir -p "$tmp/$(dirname "$f")"
	cp "$f" "$tmp/$f"
done
find "$tmp" -name '*.go' -print0 | xargs -0 perl -0pi -e '
	s{^import \(\n(.*?)^\)\n}{
		join("", map { s/^\s+//; s/\s+$//; ($_ eq "" || m{^//}) ? "" : "import $_\n" } split /\n/, $1)
	}gmse'
echo "as read by duplicates (import blocks count as code):"
duplicates --most 1 --seconds 120 | head -1
echo "import blocks flattened:"
duplicates --repo "$tmp" --seconds 120 "$@"
