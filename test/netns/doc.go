// Package netns holds wgowrt's topology lab: OpenWrt routers running the
// real ubusd, rpcd, netifd and firewall4 of the oracle (../shared/oracle,
// started with its owrt-ns, see ./lab), configured by the built wgowrt
// running inside them, cabled to plain namespaces (phones, LAN hosts, the
// internet, providers) with wireguard-go, and checked with real packets;
// plus the hitless peer-change proof on both WireGuard handlers, and the
// recorded fw4/netifd cases (../shared/conformance) replayed on the real
// programs.
//
// Run as root with the oracle installed (OWRT_NS, OWRT_ORACLE):
// WGOWRT_REQUIRE_PRIVILEGED=1 go test ./test/netns/... -count=1
package netns
