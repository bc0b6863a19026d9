#!/usr/bin/env bash
# Tier 2, same answers everywhere: runs the CLI session of
# test/qemu/testdata/session.txt with the amd64 binary natively and with
# the binary of every router architecture (under qemu-user; 386 natively),
# each in a fresh copy of testdata/root, and requires byte-identical
# transcripts (stdout, stderr and exit code of every line) and identical
# final files (contents and modes).
#
#   test/qemu/same.sh [openwrt-arch ...]   (default: every arch of scripts/targets.txt)
#
# Arches with the same Go settings share one binary and one run.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

DATA=$ROOT_DIR/test/qemu/testdata
SESSION=$DATA/session.txt
if [[ $# -gt 0 ]]; then arches=("$@"); else mapfile -t arches < <(target_list); fi

for q in qemu-mips-static qemu-mipsel-static qemu-arm-static qemu-aarch64-static; do
	command -v "$q" >/dev/null || { need_or_skip "$q" "apt-get install -y qemu-user-static"; exit 0; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
WGOWRT_VERSION=$(wgowrt_version)
export WGOWRT_VERSION

# transcript BIN QEMU DIR: runs the session in DIR and prints its transcript.
transcript() {
	local bin=$1 qemu=$2 dir=$3 line rc n=0
	mkdir -p "$dir"
	cp -r "$DATA/root" "$dir/root"
	while IFS= read -r line; do
		[[ -z $line || $line == \#* ]] && continue
		n=$((n + 1))
		rc=0
		# Lines are trusted test data; </dev/null first so a line's own
		# "< file" wins.
		(cd "$dir" && DATA=$DATA TZ=UTC LC_ALL=C eval "</dev/null $qemu \"\$bin\" $line" \
			>"$dir/.out" 2>"$dir/.err") || rc=$?
		printf '== %d: wgowrt %s\nexit %d\n-- stdout\n' "$n" "$line" "$rc"
		cat "$dir/.out"
		printf -- '-- stderr\n'
		cat "$dir/.err"
	done <"$SESSION"
	printf '== files\n'
	(cd "$dir/root" && find . -mindepth 1 -printf '%M %p\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

DIST=$work/bin "$ROOT_DIR/scripts/build.sh" x86_64 "${arches[@]}" >/dev/null
transcript "$work/bin/x86_64/wgowrt" "" "$work/native" >"$work/native.txt"
lines=$(grep -c '^== [0-9]' "$work/native.txt")
echo "native amd64: $lines commands, transcript $(wc -c <"$work/native.txt") bytes"
[[ $lines -gt 0 ]] || { echo "empty session $SESSION" >&2 && exit 1; }

declare -A done_for # binary hash -> arch that ran it
for arch in "${arches[@]}"; do
	bin=$work/bin/$arch/wgowrt
	sum=$(sha256sum <"$bin" | cut -c1-16)
	if [[ -n ${done_for[$sum]:-} ]]; then
		echo "ok   $arch: same binary as ${done_for[$sum]}"
		continue
	fi
	done_for[$sum]=$arch
	goarch=$(target_goenv "$arch" | sed -n 's/^GOARCH=//p')
	qemu=$(qemu_user_for "$goarch")
	transcript "$bin" "$qemu" "$work/$arch" >"$work/$arch.txt"
	if cmp -s "$work/native.txt" "$work/$arch.txt"; then
		t_pass "$arch (${qemu:-native}): identical transcript and files"
	else
		t_fail "$arch (${qemu:-native}): differs from native amd64:"
		diff -u "$work/native.txt" "$work/$arch.txt" | head -n 40
	fi
done
if [[ -n ${WGOWRT_SAME_KEEP:-} ]]; then
	cp "$work/native.txt" "$WGOWRT_SAME_KEEP"
	echo "native transcript saved to $WGOWRT_SAME_KEEP"
fi
t_summary
