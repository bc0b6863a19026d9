#!/usr/bin/env bash
# go test -exec helper for unit.sh: runs a cross-compiled test binary under
# qemu-user ($1) with the cross-compilation settings removed from its
# environment, so a test that runs `go build` and executes the result gets
# a binary the host can start (without binfmt_misc the kernel cannot start
# a foreign one). The test code itself still runs emulated.
set -euo pipefail
qemu=$1
shift
unset GOARCH GOMIPS GOARM GOARM64 GO386 GOAMD64 CGO_ENABLED
exec "$qemu" "$@"
