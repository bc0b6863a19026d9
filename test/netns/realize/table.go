package realize

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wgowrt/wgowrt/uci"
)

// Spec is one row of the realizer's mapping from a UCI option to what it does
// in the router namespace. Ref names the section of
// ../shared/docs/openwrt-reference.md whose semantics the row follows, so the
// table can be audited against the real netifd and firewall4 line by line.
//
// An option that is not in this table makes Realize fail with its name: the
// realizer never silently ignores configuration.
type Spec struct {
	Package string // "network" or "firewall"
	Section string // section type; "wireguard_*" stands for wireguard_<iface>
	Proto   string // interface sections only: "static", "wireguard", "none", "dhcp", "dhcpv6" or "" for any
	Option  string
	Ref     string
	Does    string
}

// Table is the complete list of what the realizer understands.
var Table = []Spec{
	// netifd: generic interface options (§1.2 "Generic netifd interface options").
	{"network", "interface", "", "proto", "§1.1, §1.2, §3.1", "static, wireguard, none, dhcp or dhcpv6; anything else fails"},
	{"network", "interface", "", "auto", "§1.2", "'0' leaves the interface down: no addresses, routes or zone devices"},
	{"network", "interface", "", "disabled", "§1.2", "'1' skips the section entirely"},
	{"network", "interface", "", "metric", "§1.2, §1.7", "metric of the gateway, prefix and proto routes that have none of their own"},
	{"network", "interface", "", "ip4table", "§1.9", "IPv4 routes go to that table; rules 10000 from addr, 20000 to addr/len, 90000+ifindex iif lo"},
	{"network", "interface", "", "ip6table", "§1.9", "as ip4table for IPv6"},
	{"network", "interface", "", "defaultroute", "§1.2", "'0' drops proto routes with prefix length 0 (gateway default, route_allowed_ips /0)"},
	{"network", "interface", "", "zone", "§2.1", "adds the interface's l3 device to that fw4 zone (netifd data.zone)"},
	{"network", "interface", "", "mtu", "§1.2", "ip link set mtu"},
	{"network", "interface", "", "dns", "§1.2", "no kernel state (resolver only); accepted, nothing to realize in a namespace"},
	{"network", "interface", "", "dns_search", "§1.2", "no kernel state; accepted"},
	{"network", "interface", "", "peerdns", "§1.2", "no kernel state; accepted"},
	{"network", "interface", "", "ip6assign", "§1.2, §3.1", "accepted, NOT modelled: netifd would give the interface a prefix of this length " +
		"from globals.ula_prefix (and delegated prefixes); the reference does not say which subnet or host address it picks, so the lab " +
		"cannot reproduce it, and no lab scenario uses IPv6 on the LAN. The interface is otherwise realized as configured"},
	// netifd: proto static (§3.1 generated config; §1.2 generic options).
	{"network", "interface", "static", "device", "§3.1", "the link the addresses go on (a veth or a config device bridge)"},
	{"network", "interface", "static", "ipaddr", "§3.1", "IPv4 address(es), 'a.b.c.d' with netmask or CIDR; list allowed"},
	{"network", "interface", "static", "netmask", "§3.1", "prefix length of ipaddr entries without /len"},
	{"network", "interface", "static", "ip6addr", "§3.1", "IPv6 address(es); no /len = /128"},
	{"network", "interface", "static", "gateway", "§3.1", "default route via gateway, proto static, replacing an existing one"},
	{"network", "interface", "static", "ip6gw", "§3.1", "IPv6 default route via ip6gw"},
	{"network", "interface", "none", "device", "§3.1", "brings the device up without addresses"},
	// netifd: DHCP clients (§3.1 stock wan/wan6). The answers come from realize.Env.
	{"network", "interface", "dhcp", "device", "§3.1", "the link udhcpc runs on: gets the address and default route (via the lease's router) of Env.Leases[device]; no lease = Realize fails"},
	{"network", "interface", "dhcpv6", "device", "§3.1", "the lab has no IPv6 upstream and no DHCPv6 server: the interface stays down as netifd leaves it without an answer (no addresses, routes or zone devices)"},
	// netifd: proto wireguard interface options (§1.2 table).
	{"network", "interface", "wireguard", "private_key", "§1.2", "device private key via wgctrl ('generate' is not supported)"},
	{"network", "interface", "wireguard", "listen_port", "§1.2", "UDP listen port via wgctrl; absent = random"},
	{"network", "interface", "wireguard", "fwmark", "§1.2", "FirewallMark via wgctrl"},
	{"network", "interface", "wireguard", "addresses", "§1.2", "addresses on the wg link; no /len = /32 or /128"},
	{"network", "interface", "wireguard", "nohostroute", "§1.2, §1.4 step 8", "'1' skips the endpoint host routes"},
	// netifd: wireguard peers (§1.3).
	{"network", "wireguard_*", "", "public_key", "§1.3", "peer key; sections without it are skipped as the handler does"},
	{"network", "wireguard_*", "", "preshared_key", "§1.3", "peer PSK via wgctrl"},
	{"network", "wireguard_*", "", "allowed_ips", "§1.3", "peer AllowedIPs via wgctrl"},
	{"network", "wireguard_*", "", "route_allowed_ips", "§1.3, §1.4 step 7", "'1': each allowed IP becomes a proto static scope link route on the wg link"},
	{"network", "wireguard_*", "", "endpoint_host", "§1.3, §1.6", "IP literal endpoint (no DNS in the lab); host route to it via the current uplink (§1.4 step 8)"},
	{"network", "wireguard_*", "", "endpoint_port", "§1.3", "endpoint port, default 51820"},
	{"network", "wireguard_*", "", "persistent_keepalive", "§1.3", "keepalive seconds via wgctrl"},
	{"network", "wireguard_*", "", "disabled", "§1.3", "'1' skips the peer"},
	{"network", "wireguard_*", "", "description", "§1.3", "LuCI only; accepted"},
	{"network", "wireguard_*", "", "private_key", "§1.3", "LuCI only (peer's own key for QR codes), ignored by the handler; accepted"},
	// netifd: devices and globals.
	{"network", "device", "", "name", "§3.1", "bridge device name"},
	{"network", "device", "", "type", "§3.1", "only 'bridge'"},
	{"network", "device", "", "ports", "§3.1", "bridge ports (IPv6 disabled on ports, as netifd does)"},
	{"network", "globals", "", "ula_prefix", "§3.1", "source of ip6assign prefixes, which are not modelled (see ip6assign); accepted"},
	{"network", "globals", "", "packet_steering", "§3.1", "CPU steering, no routing effect; accepted"},
	// netifd: route / route6 (§1.7).
	{"network", "route", "", "interface", "§1.7", "logical interface whose l3 device carries the route"},
	{"network", "route", "", "target", "§1.7", "destination, CIDR allowed"},
	{"network", "route", "", "netmask", "§1.7", "netmask of target"},
	{"network", "route", "", "gateway", "§1.7", "next hop"},
	{"network", "route", "", "metric", "§1.7", "metric; default = interface metric"},
	{"network", "route", "", "mtu", "§1.7", "route mtu"},
	{"network", "route", "", "table", "§1.7", "table number; default = interface ip4table/ip6table"},
	{"network", "route", "", "source", "§1.7", "preferred source address (src)"},
	{"network", "route", "", "onlink", "§1.7", "onlink flag"},
	{"network", "route", "", "type", "§1.7", "unicast, local, blackhole, unreachable, prohibit, throw"},
	{"network", "route", "", "disabled", "§1.7", "'1' skips the route"},
	// netifd: rule / rule6 (§1.8).
	{"network", "rule", "", "in", "§1.8", "iif = l3 device of that logical interface"},
	{"network", "rule", "", "out", "§1.8", "oif = l3 device of that logical interface"},
	{"network", "rule", "", "src", "§1.8", "from CIDR"},
	{"network", "rule", "", "dest", "§1.8", "to CIDR"},
	{"network", "rule", "", "priority", "§1.8", "rule priority"},
	{"network", "rule", "", "tos", "§1.8", "tos"},
	{"network", "rule", "", "mark", "§1.8", "fwmark value[/mask]"},
	{"network", "rule", "", "lookup", "§1.8", "table number or main/local/default"},
	{"network", "rule", "", "action", "§1.8", "prohibit, unreachable, blackhole, throw"},
	{"network", "rule", "", "goto", "§1.8", "goto priority"},
	{"network", "rule", "", "invert", "§1.8", "'1' = not"},
	{"network", "rule", "", "suppress_prefixlength", "§1.8", "suppress_prefixlength"},
	{"network", "rule", "", "uidrange", "§1.8", "uidrange a[-b]"},
	{"network", "rule", "", "ipproto", "§1.8", "ipproto"},
	{"network", "rule", "", "sport", "§1.8", "sport a[-b]"},
	{"network", "rule", "", "dport", "§1.8", "dport a[-b]"},
	{"network", "rule", "", "disabled", "§1.8", "'1' skips the rule"},
	// firewall4 defaults (§2.1).
	{"firewall", "defaults", "", "input", "§2.1", "input chain policy (REJECT = drop policy + jump handle_reject)"},
	{"firewall", "defaults", "", "output", "§2.1", "output chain policy"},
	{"firewall", "defaults", "", "forward", "§2.1", "forward chain policy"},
	{"firewall", "defaults", "", "syn_flood", "§2.1", "SYN rate limit chain on input"},
	{"firewall", "defaults", "", "synflood_protect", "§2.1", "alias of syn_flood"},
	{"firewall", "defaults", "", "synflood_rate", "§2.1", "syn_flood limit rate (default 25/second)"},
	{"firewall", "defaults", "", "synflood_burst", "§2.1", "syn_flood burst (default 50)"},
	{"firewall", "defaults", "", "drop_invalid", "§2.1", "ct state invalid drop in input/forward/output"},
	{"firewall", "defaults", "", "tcp_reject_code", "§2.1", "only tcp-reset (the default)"},
	{"firewall", "defaults", "", "any_reject_code", "§2.1", "icmpx code of handle_reject (default port-unreachable)"},
	{"firewall", "defaults", "", "auto_helper", "§2.1", "conntrack helper assignment; never changes a verdict, helpers are not loaded in the lab; accepted"},
	// firewall4 zone (§2.1, §2.2).
	{"firewall", "zone", "", "name", "§2.1", "zone name; must not start with a digit"},
	{"firewall", "zone", "", "enabled", "§2.1", "'0' skips the zone"},
	{"firewall", "zone", "", "family", "§2.1", "ipv4 / ipv6 / any restricts the zone's dispatch"},
	{"firewall", "zone", "", "network", "§2.1, §2.2", "logical interfaces; their l3 devices (if up) are the zone's devices"},
	{"firewall", "zone", "", "device", "§2.1", "extra device names"},
	{"firewall", "zone", "", "input", "§2.1", "policy of input_<zone>"},
	{"firewall", "zone", "", "output", "§2.1", "policy of output_<zone>"},
	{"firewall", "zone", "", "forward", "§2.1", "policy at the end of forward_<zone>"},
	{"firewall", "zone", "", "masq", "§2.1", "IPv4 masquerade on egress (srcnat_<zone>) + NAT leakage drop"},
	{"firewall", "zone", "", "masq6", "§2.1", "IPv6 masquerade on egress"},
	{"firewall", "zone", "", "masq_src", "§2.1", "restrict masquerade to these source subnets"},
	{"firewall", "zone", "", "masq_dest", "§2.1", "restrict masquerade to these destination subnets"},
	{"firewall", "zone", "", "mtu_fix", "§2.1", "MSS clamping to route MTU on ingress (mangle_forward) and egress (mangle_postrouting)"},
	{"firewall", "zone", "", "counter", "§2.1", "counters only, no verdict effect; accepted"},
	// firewall4 forwarding (§2.1).
	{"firewall", "forwarding", "", "src", "§2.1", "forward_<src> jumps to accept_to_<dest>"},
	{"firewall", "forwarding", "", "dest", "§2.1", "see src"},
	{"firewall", "forwarding", "", "family", "§2.1", "restricts the jump to one family"},
	{"firewall", "forwarding", "", "name", "§2.1", "comment"},
	{"firewall", "forwarding", "", "enabled", "§2.1", "'0' skips"},
	// firewall4 rule (§2.1).
	{"firewall", "rule", "", "name", "§2.1", "comment"},
	{"firewall", "rule", "", "enabled", "§2.1", "'0' skips"},
	{"firewall", "rule", "", "family", "§2.1", "ipv4 / ipv6 / any"},
	{"firewall", "rule", "", "src", "§2.1", "zone or *: with dest → forward_<src>, alone → input_<src>"},
	{"firewall", "rule", "", "dest", "§2.1", "zone or *: alone → output_<dest>"},
	{"firewall", "rule", "", "proto", "§2.1", "tcp, udp, tcpudp (default), icmp, all, or another protocol name"},
	{"firewall", "rule", "", "src_ip", "§2.1", "ip/ip6 saddr"},
	{"firewall", "rule", "", "dest_ip", "§2.1", "ip/ip6 daddr"},
	{"firewall", "rule", "", "src_port", "§2.1", "tcp/udp sport"},
	{"firewall", "rule", "", "dest_port", "§2.1", "tcp/udp dport"},
	{"firewall", "rule", "", "icmp_type", "§2.1", "icmp/icmpv6 types by fw4 name or type[/code]"},
	{"firewall", "rule", "", "limit", "§2.1", "limit rate"},
	{"firewall", "rule", "", "limit_burst", "§2.1", "limit burst"},
	{"firewall", "rule", "", "target", "§2.1", "ACCEPT, REJECT, DROP; absent = no verdict (fw4 has no default target)"},
	{"firewall", "rule", "", "counter", "§2.1", "counters only; accepted"},
	// firewall4 redirect (§2.1).
	{"firewall", "redirect", "", "name", "§2.1", "comment"},
	{"firewall", "redirect", "", "enabled", "§2.1", "'0' skips"},
	{"firewall", "redirect", "", "family", "§2.1", "ipv4 / ipv6"},
	{"firewall", "redirect", "", "target", "§2.1", "DNAT (default; dstnat_<src>) or SNAT (srcnat_<dest>)"},
	{"firewall", "redirect", "", "src", "§2.1", "DNAT: ingress zone; adds 'ct status dnat accept' to its input/forward chains"},
	{"firewall", "redirect", "", "dest", "§2.1", "SNAT: egress zone; DNAT: zone of dest_ip (reflection only)"},
	{"firewall", "redirect", "", "proto", "§2.1", "default tcpudp"},
	{"firewall", "redirect", "", "src_ip", "§2.1", "ip saddr"},
	{"firewall", "redirect", "", "src_port", "§2.1", "sport"},
	{"firewall", "redirect", "", "src_dip", "§2.1", "DNAT: ip daddr match; SNAT: address to rewrite the source to"},
	{"firewall", "redirect", "", "src_dport", "§2.1", "DNAT: dport match; SNAT: port to rewrite the source port to"},
	{"firewall", "redirect", "", "dest_ip", "§2.1", "DNAT: new destination (absent = local redirect); SNAT: daddr match"},
	{"firewall", "redirect", "", "dest_port", "§2.1", "DNAT: new port; SNAT: dport match"},
	{"firewall", "redirect", "", "reflection", "§2.1", "'0' required when the src zone masquerades (reflection rules are not rendered)"},
	{"firewall", "redirect", "", "counter", "§2.1", "counters only; accepted"},
	// firewall4 nat (§2.1).
	{"firewall", "nat", "", "name", "§2.1", "comment"},
	{"firewall", "nat", "", "enabled", "§2.1", "'0' skips"},
	{"firewall", "nat", "", "family", "§2.1", "ipv4 / ipv6"},
	{"firewall", "nat", "", "src", "§2.1", "zone whose egress is matched (srcnat_<zone>)"},
	{"firewall", "nat", "", "proto", "§2.1", "default all"},
	{"firewall", "nat", "", "src_ip", "§2.1", "ip saddr"},
	{"firewall", "nat", "", "src_port", "§2.1", "sport"},
	{"firewall", "nat", "", "dest_ip", "§2.1", "ip daddr"},
	{"firewall", "nat", "", "dest_port", "§2.1", "dport"},
	{"firewall", "nat", "", "snat_ip", "§2.1", "SNAT address"},
	{"firewall", "nat", "", "snat_port", "§2.1", "SNAT port"},
	{"firewall", "nat", "", "target", "§2.1", "MASQUERADE (default), SNAT, ACCEPT"},
	{"firewall", "nat", "", "counter", "§2.1", "counters only; accepted"},
}

// sectionTypes lists the section types that may appear at all.
var sectionTypes = map[string]bool{}

func init() {
	for _, s := range Table {
		sectionTypes[s.Package+"/"+s.Section] = true
	}
}

// tableSection maps a section type to its key in Table.
func tableSection(typ string) string {
	if strings.HasPrefix(typ, "wireguard_") {
		return "wireguard_*"
	}
	if typ == "route6" {
		return "route"
	}
	if typ == "rule6" {
		return "rule"
	}
	return typ
}

// checkSection fails when sec has a type or option the Table does not list.
func checkSection(pkg string, sec *uci.Section, proto string) error {
	typ := tableSection(sec.Type)
	if !sectionTypes[pkg+"/"+typ] {
		return fmt.Errorf("%s: section %s of type %q is not supported by the realizer", pkg, sectionName(sec), sec.Type)
	}
	var bad []string
	for _, o := range sec.Options {
		if !known(pkg, typ, proto, o.Name) {
			bad = append(bad, o.Name)
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("%s: %s %s: option(s) %s not supported by the realizer (see test/netns/realize/table.go)",
			pkg, sec.Type, sectionName(sec), strings.Join(bad, ", "))
	}
	return nil
}

func known(pkg, typ, proto, opt string) bool {
	for _, s := range Table {
		if s.Package == pkg && s.Section == typ && s.Option == opt && (s.Proto == "" || s.Proto == proto) {
			return true
		}
	}
	return false
}

// sectionName is how errors name a section: 'name' or @type[i]-less "(anonymous, name=...)".
func sectionName(sec *uci.Section) string {
	if n, ok := sec.Get("name"); ok && sec.Anonymous {
		return fmt.Sprintf("(anonymous, name '%s')", n)
	}
	return "'" + sec.Name + "'"
}
