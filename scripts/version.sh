#!/usr/bin/env bash
# Prints the wgowrt version the builds inject (rules in scripts/lib.sh).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
wgowrt_version
