// Package netns holds wgowrt's topology lab tests: OpenWrt router configs
// brought to life in Linux network namespaces (see ./lab and ./realize) and
// checked with real packets, plus tests that the realizer reproduces what the
// real netifd and firewall4 did (../../../shared/conformance).
//
// Run as root: WGOWRT_REQUIRE_PRIVILEGED=1 go test ./test/netns/... -count=1
package netns
