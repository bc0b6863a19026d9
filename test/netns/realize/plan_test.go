package realize

import (
	"net/netip"
	"strings"
	"testing"
)

const baseNetwork = `
config interface 'lan'
	option device 'br-lan'
	option proto 'static'
	option ipaddr '192.168.1.1'
	option netmask '255.255.255.0'
`

func TestPlanFailsLoudlyOnUnknownOptions(t *testing.T) {
	for _, tc := range []struct {
		name, network, firewall, want string
	}{
		{"interface option", baseNetwork + "\toption ip6hint '1'\n", "", "ip6hint"},
		{"unknown proto", "config interface 'wan'\n\toption proto 'pppoe'\n\toption device 'eth1'\n", "", `proto "pppoe"`},
		{"dhcp option", "config interface 'wan'\n\toption proto 'dhcp'\n\toption device 'eth1'\n\toption hostname 'r1'\n", "", "hostname"},
		{"unknown section", baseNetwork + "config switch\n\toption name 'switch0'\n", "", `"switch"`},
		{"peer option", baseNetwork + "config interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key 'oIHozryHLSWQJ3XO0bYvxMae7RMY7UPXZ1lTadLDZl8='\n" +
			"config wireguard_wg0\n\toption public_key 'a5SMTXAxeWfJPbfcvqlp63tjw2OaxZq7nDGsh8qxXxw='\n\toption bogus '1'\n", "", "bogus"},
		{"fw rule target", baseNetwork, "config zone\n\toption name 'lan'\n\tlist network 'lan'\nconfig rule\n\toption name 'x'\n\toption src 'lan'\n\toption target 'NOTRACK'\n", `"notrack"`},
		{"fw zone option", baseNetwork, "config zone\n\toption name 'lan'\n\toption extra '-j ACCEPT'\n", "extra"},
		{"reflection", baseNetwork, "config zone\n\toption name 'wan'\n\toption masq '1'\nconfig zone\n\toption name 'lan'\n" +
			"config redirect\n\toption name 'web'\n\toption src 'wan'\n\toption src_dport '80'\n\toption dest 'lan'\n\toption dest_ip '192.168.1.10'\n", "reflection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Plan(Config{Network: []byte(tc.network), Firewall: []byte(tc.firewall)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Plan error = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestRenderRuleChainsAndVerdicts(t *testing.T) {
	fw := `config defaults
	option input 'REJECT'
	option forward 'REJECT'
	option output 'ACCEPT'
config zone
	option name 'lan'
	list network 'lan'
config zone
	option name 'wan'
	option device 'eth1'
config rule
	option name 'fwd'
	option src 'wan'
	option dest 'lan'
	option proto 'tcp'
	option dest_port '22'
	option target 'REJECT'
config rule
	option name 'in'
	option src 'wan'
	option proto 'udp'
	option dest_port '53'
	option target 'ACCEPT'
config rule
	option name 'out'
	option dest 'wan'
	option proto 'tcp'
	option dest_port '25'
	option target 'DROP'
config rule
	option name 'none'
	option src 'wan'
	option proto 'tcp'
	option dest_port '9999'
`
	_, f, err := Plan(Config{Network: []byte(baseNetwork), Firewall: []byte(fw)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := Render(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"chain forward_wan {\n\t\ttcp dport 22 counter jump reject_to_lan\n",
		"chain input_wan {\n\t\tudp dport 53 counter accept\n\t\ttcp dport 9999 counter\n",
		"chain output_wan {\n\t\ttcp dport 25 counter drop\n",
		`iifname "br-lan" jump input_lan`,
		`iifname "eth1" jump input_wan`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered ruleset lacks %q:\n%s", want, out)
		}
	}
}

// TestStockBoardNeedsTheEnvironment plans examples/router (a stock 24.10
// tree): wan is proto dhcp, so its address comes from the environment's
// lease, wan6 (dhcpv6, no IPv6 upstream in the lab) stays down and gives
// the wan zone no device of its own, and ip6assign is accepted.
func TestStockBoardNeedsTheEnvironment(t *testing.T) {
	c, err := ReadConfigDir("../../../examples/router/etc/config")
	if err != nil {
		t.Fatal(err)
	}
	n, f, err := Plan(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := ApplyLeases(n, Env{}); err == nil || !strings.Contains(err.Error(), "'wan'") {
		t.Errorf("no lease for wan: err = %v, want one naming interface 'wan'", err)
	}
	lease := Lease{Address: netip.MustParsePrefix("203.0.113.2/24"), Gateway: netip.MustParseAddr("203.0.113.1")}
	if err := ApplyLeases(n, Env{Leases: map[string]Lease{"wan": lease}}); err != nil {
		t.Fatal(err)
	}
	wan, wan6 := n.Interface("wan"), n.Interface("wan6")
	if !wan.Up || len(wan.Addrs) != 1 || wan.Addrs[0] != lease.Address || wan.Gateway4 != lease.Gateway {
		t.Errorf("wan = up %v, addrs %v, gateway %v; want up with the lease", wan.Up, wan.Addrs, wan.Gateway4)
	}
	if wan6.Up {
		t.Error("wan6 (dhcpv6 without a server) is up")
	}
	if z := f.Zone("wan"); len(z.Devices) != 1 || z.Devices[0] != "wan" {
		t.Errorf("zone wan devices = %v, want [wan]", z.Devices)
	}
	if got := n.Bridges[0].Ports; strings.Join(got, " ") != "lan1 lan2 lan3 lan4" {
		t.Errorf("br-lan ports = %v", got)
	}
}
