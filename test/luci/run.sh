#!/usr/bin/env bash
# Browser tests of the wgowrt LuCI views (test/luci/README.md):
# headless Chromium against a stand-in for luci-base, answering rpcd
# calls from the pinned contract (internal/cli/testdata/rpcd).
#
#   test/luci/run.sh                     skips when chromium is missing
#   WGOWRT_REQUIRE_PRIVILEGED=1 test/luci/run.sh   fails instead (CI)
#   WGOWRT_SCREENSHOTS=DIR               keep the screenshots in DIR
#
# Needs: chromium (Debian), node + npm, go (builds the QR helper);
# (the QR scan runs in test/luci/real, with the real bridge's image)
set -euo pipefail
cd "$(dirname "$0")"

export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
missing=()
[[ -x $CHROMIUM ]] || missing+=("chromium (apt-get install -y chromium)")
command -v node >/dev/null && command -v npm >/dev/null || missing+=("node and npm (apt-get install -y nodejs npm)")
command -v go >/dev/null || missing+=("go")
if ((${#missing[@]})); then
	if [[ -n ${WGOWRT_REQUIRE_PRIVILEGED:-} ]]; then
		printf 'test/luci: missing %s\n' "${missing[@]}" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	printf 'SKIP: test/luci needs %s\n' "${missing[@]}"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

start=$(date +%s)
npm ci --no-audit --no-fund --loglevel=error >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/wgowrt-luci-XXXXXX")
trap 'rm -rf "$work"' EXIT
export WGOWRT_QRSVG=$work/qrsvg
(cd ../.. && go build -o "$WGOWRT_QRSVG" ./test/luci/qrsvg)
export WGOWRT_SCREENSHOTS=${WGOWRT_SCREENSHOTS:-$(mktemp -d "${TMPDIR:-/tmp}/wgowrt-luci-shots-XXXXXX")}

set +e
node --test --test-concurrency=1 --test-reporter=spec tests/ 2>&1 | tee "$work/out"
rc=${PIPESTATUS[0]}
set -e

pass=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$work/out")
fail=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$work/out")
if [[ -z $pass || -z $fail ]]; then
	pass=${pass:-0} fail=$((${fail:-0} + 1))
fi
((rc == 0 || fail > 0)) || fail=1
echo "screenshots: $WGOWRT_SCREENSHOTS ($(($(date +%s) - start)) s)"
echo "$pass passed, $fail failed"
exit $rc
