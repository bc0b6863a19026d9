#!/usr/bin/env bash
# Runs every test tier this machine can run. The README's test command.
#
#   scripts/test.sh          unit tests, fuzz smoke, and the privileged
#                            tiers when run as root with their tools present
#   WGOWRT_REQUIRE_PRIVILEGED=1 scripts/test.sh
#                            (CI) a tier that cannot run is a failure
set -euo pipefail
cd "$(dirname "$0")/.."

tier() { printf '\n== %s\n' "$*"; }

tier "format and vet"
unformatted=$(git ls-files -co --exclude-standard '*.go' | xargs -r gofmt -l)
if [[ -n $unformatted ]]; then
	echo "gofmt would change: $unformatted" >&2
	exit 1
fi
go vet -tags urfave_cli_no_docs ./...

tier "unit, conformance, CLI and netns tests"
go test -tags urfave_cli_no_docs -count=1 ./...

tier "fuzz smoke (parser round trip)"
go test ./uci -run '^$' -fuzz '^FuzzParse$' -fuzztime "${WGOWRT_FUZZTIME:-15s}"

tier "LuCI app (node)"
if command -v node >/dev/null; then
	(cd luci-app && node --test tests/)
	find luci-app/htdocs -name '*.js' -print0 | xargs -0 -n1 node --check
	scripts/luci-pot.sh --check
elif [[ -n ${WGOWRT_REQUIRE_PRIVILEGED:-} ]]; then
	echo "node is missing: apt-get install nodejs" >&2
	exit 1
else
	echo "SKIP: node is missing (apt-get install nodejs)"
fi
