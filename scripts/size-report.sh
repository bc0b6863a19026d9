#!/usr/bin/env bash
# Builds stripped wgowrt for the main router architectures, prints their
# sizes (raw, gzip -9, xz -9e: squashfs compresses with xz) and fails when a
# binary or an .ipk is over its budget in scripts/size-budget.txt.
#
#   scripts/size-report.sh             table + budget check (CI)
#   scripts/size-report.sh --ipk DIR   also check every DIR/*.ipk, DIR/*/*.ipk
#                                      and .apk (repeatable)
#   scripts/size-report.sh --why [N]   also list the N (20) biggest Go
#                                      packages of the mipsle binary
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUDGET_FILE=$ROOT_DIR/scripts/size-budget.txt
ipk_dirs=() why=0
while [[ $# -gt 0 ]]; do
	case $1 in
	--ipk) ipk_dirs+=("$2") && shift 2 ;;
	--why) why=${2:-20} && shift $(($# > 1 ? 2 : 1)) ;;
	*) echo "usage: $0 [--ipk DIR] [--why [N]]" >&2 && exit 2 ;;
	esac
done

# name GOARCH settings...
configs=(
	"mips mips GOMIPS=softfloat"
	"mipsle mipsle GOMIPS=softfloat"
	"arm arm GOARM=7"
	"arm64 arm64"
	"amd64 amd64 GOAMD64=v1"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
version=$(wgowrt_version)
status=0

budget() { awk -v k="$1" '!/^#/ && $1 == k { print $2 }' "$BUDGET_FILE"; }
xzsize() { if command -v xz >/dev/null; then xz -9e -c "$1" | wc -c; else echo -; fi; }

# check says how size stands against what's budget. It runs in $(...), a
# subshell, so the callers set status from what it printed (an assignment
# here would be lost: until 2026-11-26 no budget was ever enforced).
check() { # what size
	local b
	b=$(budget "$1")
	if [[ -z $b ]]; then
		echo "-"
	elif [[ $2 -le $b ]]; then
		echo "ok (budget $b)"
	else
		echo "OVER BUDGET ($b)"
	fi
}

# verdict prints a check's answer and records an over-budget one.
verdict() {
	[[ $1 != OVER* ]] || status=1
	printf '%s\n' "$1"
}

printf '%-8s %-30s %10s %10s %10s  %s\n' goarch settings bytes gzip-9 xz-9e budget
for c in "${configs[@]}"; do
	read -r name goarch extra <<<"$c"
	# shellcheck disable=SC2086 # extra is a list of VAR=value words
	go_build "$tmp/$name" "$version" GOARCH="$goarch" $extra
	size=$(stat -c %s "$tmp/$name")
	printf '%-8s %-30s %10d %10d %10s  ' "$name" "GOARCH=$goarch $extra" "$size" \
		"$(gzip -9nc "$tmp/$name" | wc -c)" "$(xzsize "$tmp/$name")"
	verdict "$(check "bin:$name" "$size")"
done

for dir in "${ipk_dirs[@]}"; do
	shopt -s nullglob
	pkgs=("$dir"/*.ipk "$dir"/*/*.ipk "$dir"/*.apk "$dir"/*/*.apk)
	[[ ${#pkgs[@]} -gt 0 ]] || { echo "no .ipk or .apk in $dir" >&2 && exit 1; }
	for f in "${pkgs[@]}"; do
		size=$(stat -c %s "$f")
		# Budget "pkg:<arch>" (the directory is the arch), else "pkg".
		key=pkg:$(basename "$(dirname "$f")")
		[[ -n $(budget "$key") ]] || key=pkg
		printf '%-66s %10d  ' "$(basename "$f")" "$size"
		verdict "$(check "$key" "$size")"
	done
done

if [[ $why -gt 0 ]]; then
	# Symbol sizes need the symbol table: build once more without -s -w.
	(cd "$ROOT_DIR" && CGO_ENABLED=0 GOOS=linux GOARCH=mipsle GOMIPS=softfloat go build -trimpath \
		-buildvcs=false -tags "$GO_TAGS" -gcflags "$GO_GCFLAGS" -o "$tmp/mipsle.syms" ./cmd/wgowrt)
	echo
	echo "biggest Go packages in the mipsle binary (symbol bytes; pclntab and type data not attributed):"
	(cd "$ROOT_DIR" && go run ./scripts/sizewhy -n "$why" "$tmp/mipsle.syms")
fi
exit $status
