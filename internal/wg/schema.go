package wg

import "strings"

// The UCI schema wgowrt writes, as netifd's wireguard protocol handler and
// firewall4 read it (openwrt-reference.md §1.2, §1.3, §2.1). Nothing here
// invents options: wgowrt's own bookkeeping lives in /etc/config/wgowrt.

// Opt describes one UCI option.
type Opt struct {
	Name string
	// List is true when the option is written as `list`.
	List bool
	// Secret options are shown as (hidden).
	Secret bool
}

// Interface options of `config interface '<iface>'` with proto wireguard.
var InterfaceSchema = []Opt{
	{Name: "proto"},
	{Name: "private_key", Secret: true},
	{Name: "listen_port"},
	{Name: "addresses", List: true},
	{Name: "mtu"},
}

// PeerSchema are the options of a `config wireguard_<iface>` peer section.
var PeerSchema = []Opt{
	{Name: "description"},
	{Name: "public_key"},
	{Name: "private_key", Secret: true},
	{Name: "preshared_key", Secret: true},
	{Name: "allowed_ips", List: true},
	{Name: "route_allowed_ips"},
	{Name: "endpoint_host"},
	{Name: "endpoint_port"},
	{Name: "persistent_keepalive"},
	{Name: "disabled"},
}

// IsSecret reports whether option name of a WireGuard interface or peer
// section holds a private or preshared key.
func IsSecret(name string) bool {
	return name == "private_key" || name == "preshared_key"
}

// Names of UCI packages and section types.
const (
	PkgNetwork  = "network"
	PkgFirewall = "firewall"
	// PkgWgowrt is wgowrt's own config: what a server was initialised with
	// (endpoint, access policy) and what a peer's client config needs
	// (DNS, tunnel mode). netifd and fw4 never read it.
	PkgWgowrt = "wgowrt"

	TypeServer = "server"
	TypePeer   = "peer"
)

// Prefix marks every section wgowrt creates (except the interface, whose
// name must equal the Linux link name).
const Prefix = "wgowrt_"

// PeerType is the section type of iface's peers.
func PeerType(iface string) string { return "wireguard_" + iface }

// PeerSection is the section name wgowrt gives peer name of iface. '-' is
// not allowed in UCI names, so it becomes '_'; callers detect the clash of
// "a-b" with "a_b" through the description.
func PeerSection(iface, name string) string {
	return Prefix + iface + "_" + strings.ReplaceAll(name, "-", "_")
}

// OwnsPeerSection reports whether section sec of iface was created by
// wgowrt. An interface with '_' in its name is never wgowrt's (see
// ValidateIface), so its peers are not either: wgowrt_wg_0_x could be
// peer 0_x of wg.
func OwnsPeerSection(iface, sec string) bool {
	return !strings.Contains(iface, "_") && strings.HasPrefix(sec, Prefix+iface+"_")
}

// Firewall section roles.
const (
	FwZone    = "zone"     // config zone for the tunnel
	FwPort    = "port"     // config rule: UDP port from wan, ACCEPT
	FwToLan   = "lan"      // config forwarding vpn -> lan
	FwFromLan = "from_lan" // config forwarding lan -> vpn
	FwToWan   = "wan"      // config forwarding vpn -> wan
	FwMasq    = "masq"     // config nat: masquerade vpn subnet towards lan
	FwMasq6   = "masq6"    // config nat: the same for the vpn IPv6 subnet
	FwDNS     = "dns"      // config rule: DNS to the router from the vpn zone
	FwPing    = "ping"     // config rule: ping to the router from a closed vpn zone
)

// FirewallSection is the name of wgowrt's firewall section for role of iface.
func FirewallSection(iface, role string) string { return Prefix + iface + "_" + role }

// LAN access modes.
const (
	AccessRouted     = "routed"
	AccessMasquerade = "masquerade"
	AccessNone       = "none"
)

// Router access levels: which of the router's own services (LuCI, ssh,
// DNS, ...) a server's peers reach, i.e. the vpn zone's input.
const (
	RouterAll  = "all"  // input ACCEPT: every service, like the LAN
	RouterDNS  = "dns"  // input REJECT, DNS and ping allowed by rules
	RouterNone = "none" // input REJECT, ping allowed (as stock wan allows it)
)

// Tunnel modes of a client config.
const (
	TunnelFull  = "full"
	TunnelSplit = "split"
)
