#!/usr/bin/env bash
# Tier 1, emulated unit tests: the whole unit suite, cross-compiled and run
# under qemu-user for big-endian MIPS (the only big-endian coverage), mipsle,
# ARMv7 and ARM64. Packages under test/ (netns and qemu tiers) are left out.
#
#   test/qemu/unit.sh [mips|mipsle|arm|arm64 ...]   (default: all four)
#
# Env: WGOWRT_QEMU_PKGS overrides the package list (default: every package
# of the module outside test/).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

if [[ $# -gt 0 ]]; then arches=("$@"); else arches=(mips mipsle arm arm64); fi

# Tests that re-execute their own test binary cannot run here: without
# binfmt_misc the kernel cannot start a foreign binary, and registering qemu
# there would change the host kernel for every process. They run natively in
# the unit tier. (Tests that `go build` a binary and run it get a host
# binary through qemu-exec.sh and need no entry.) The topology package's lab
# tests need network namespaces and WireGuard (netlink), which qemu-user lacks;
# they run natively in the Go tier.
QEMU_SKIP='^(TestCommitCrashBeforeRename|TestRevertKilledKeepsStagedChanges|TestWriteKilledAfterFirstFileConverges|TestWriteKilledAtEveryStepConverges|TestRecoveryKilledAtEveryStepConverges|TestWriteHeldIsUndoneWhenKilledBeforeDone|TestRecoverRollsForwardWhenChangedSince|TestSignalsWaitForTheCommit|TestReservationKilledWhileWriting|TestLabStar|TestLabVPSHub|TestPingDFPathMTU)$'

# settings GOARCH: the Go settings of the router flavour of each arch.
settings() {
	case $1 in
	mips | mipsle) echo "GOMIPS=softfloat" ;;
	arm) echo "GOARM=7" ;;
	arm64) echo "" ;;
	*) echo "unknown arch '$1'" >&2 && return 1 ;;
	esac
}

for a in "${arches[@]}"; do
	q=$(qemu_user_for "$a")
	command -v "$q" >/dev/null || { need_or_skip "$q" "apt-get install -y qemu-user-static"; exit 0; }
done

cd "$ROOT_DIR"
if [[ -n ${WGOWRT_QEMU_PKGS:-} ]]; then
	read -r -a pkgs <<<"$WGOWRT_QEMU_PKGS"
else
	mapfile -t pkgs < <(go list ./... | grep -v "^$GO_MODULE/test/")
fi

failed=()
for a in "${arches[@]}"; do
	q=$(qemu_user_for "$a")
	t0=$SECONDS
	echo "== GOARCH=$a $(settings "$a") under $q"
	# shellcheck disable=SC2046 # settings is a word list
	if ! env CGO_ENABLED=0 GOOS=linux GOARCH="$a" $(settings "$a") \
		go test -count=1 -tags "$GO_TAGS" -exec "$ROOT_DIR/test/qemu/qemu-exec.sh $q" \
		-skip "$QEMU_SKIP" "${pkgs[@]}"; then
		failed+=("$a")
	fi
	echo "== $a: $((SECONDS - t0)) s"
done
echo "qemu-user: $((${#arches[@]} - ${#failed[@]})) passed, ${#failed[@]} failed${failed[*]:+ (${failed[*]})}"
[[ ${#failed[@]} -eq 0 ]]
