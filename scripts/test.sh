#!/usr/bin/env bash
# Runs every test tier. The README's test command.
#
#   scripts/test.sh           all tiers; a tier whose tools are missing (or
#                             that needs root) says SKIP with what to install
#   scripts/test.sh --quick   format, vet, unit/conformance/CLI/netns tests,
#                             fuzz smoke and the LuCI tier only
#   WGOWRT_REQUIRE_PRIVILEGED=1 scripts/test.sh
#                             (CI) a tier that cannot run is a failure
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ ${1:-} == --quick ]] && quick=1

# tier NAME starts a tier and reports how long the previous one took.
tier() {
	local now
	now=$(date +%s)
	[[ -n ${tier_name:-} ]] && printf '== %s: %d s\n' "$tier_name" $((now - tier_start))
	tier_name=$1 tier_start=$now
	printf '\n== %s\n' "$*"
}


tier "format and vet"
unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [[ -n $unformatted ]]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi
go vet -tags urfave_cli_no_docs ./...

tier "LuCI app (node)"
if command -v node >/dev/null; then
	(cd luci-app && node --test tests/)
	find luci-app/htdocs -name '*.js' -print0 | xargs -0 -n1 node --check
	scripts/luci-pot.sh --check
	test/luci/run.sh
elif [[ -n ${WGOWRT_REQUIRE_PRIVILEGED:-} ]]; then
	echo "node is missing: apt-get install nodejs" >&2
	exit 1
else
	echo "SKIP: node is missing (apt-get install nodejs)"
fi

tier "Ansible collection (python unittest, ansible-playbook with local connections)"
# Debian's python3 (ansible-core's), not whichever python3 comes first.
if /usr/bin/python3 -c 'import ansible' 2>/dev/null && command -v ansible-playbook >/dev/null; then
	/usr/bin/python3 -m unittest discover -s ansible/tests/unit
elif [[ -n ${WGOWRT_REQUIRE_PRIVILEGED:-} ]]; then
	echo "ansible is missing: apt-get install ansible-core" >&2
	exit 1
else
	echo "SKIP: ansible is missing (apt-get install ansible-core)"
fi

tier "fuzz smoke (parser round trip)"
go test ./uci -run '^$' -fuzz '^FuzzParse$' -fuzztime "${WGOWRT_FUZZTIME:-15s}"

if [[ $quick == 0 ]]; then
	feed=dist/feed
	tier "cross builds, reproducibility, packages, size budget"
	scripts/build.sh >/dev/null
	# Reproducibility rebuilds from an empty Go cache: one arch per GOARCH
	# family keeps it affordable (WGOWRT_REPRO_ARCHES=all for every arch).
	if [[ ${WGOWRT_REPRO_ARCHES:-} == all ]]; then
		scripts/test-reproducible.sh
	else
		scripts/test-reproducible.sh ${WGOWRT_REPRO_ARCHES:-mips_24kc arm_cortex-a7_neon-vfpv4 aarch64_cortex-a53}
	fi
	scripts/mkipk.sh -o "$feed" --no-build >/dev/null
	scripts/mkipk.sh -o "$feed" --luci >/dev/null
	scripts/test-ipk.sh "$feed"
	scripts/test-ipk-version.sh "$feed"
	scripts/mkapk.sh -o dist/apk --no-build --no-sign >/dev/null
	scripts/size-report.sh --ipk "$feed" --ipk dist/apk

	tier "packages with the real opkg and apk (OpenWrt oracle): versions, install, upgrade, remove"
	# Each skips with the reason when the oracle is missing (fails in CI).
	scripts/test-versions.sh
	scripts/test-opkg.sh "$feed"
	scripts/test-apk.sh dist/apk
	scripts/test-pkg-boot.sh "$feed" dist/apk

	tier "LuCI in a real OpenWrt (oracle container): pages, Save & Apply, rollback, hostile text, ACL"
	# ~180 s here, 100 s of it the rollback case (rpcd's 90 s minimum);
	# skips with the reason without root or the oracle (fails in CI).
	test/luci/real/run.sh

	tier "QEMU: unit tests on mips (big-endian), mipsle, arm, arm64"
	test/qemu/unit.sh
	tier "QEMU: same answers on every architecture"
	test/qemu/same.sh
	tier "QEMU: real kernels with kernel WireGuard"
	test/qemu/vm.sh
	tier "QEMU: OpenWrt VM (oracle rootfs, procd, netifd) with kernel WireGuard"
	test/qemu/owrt-vm.sh
	tier "QEMU: a real OpenWrt image (only with WGOWRT_OPENWRT_IMAGE)"
	test/qemu/openwrt.sh
fi

# Last, so the run closes with the whole Go suite's verdict.
tier "unit, conformance, CLI and netns tests"
go test -tags urfave_cli_no_docs -count=1 ./...
