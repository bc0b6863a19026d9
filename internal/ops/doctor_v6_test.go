package ops

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

const siteB6 = "fd12:3456:789b::/60"

// healthyFacts6 are healthyFacts with IPv6: wg0 has its ULA address in
// the kernel, the site also routes siteB6, routed into wg0, and IPv6
// forwarding is on.
func healthyFacts6(t *testing.T) DoctorFacts {
	st, site := doctorState(t)
	o := st.Network.Section("wgowrt_wg0_office").Option("allowed_ips")
	o.Values = append(o.Values, siteB6)
	f := healthyFacts(st, site, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	f.DevAddrs = map[string][]netip.Prefix{"wg0": {netip.MustParsePrefix("10.8.0.1/24"), netip.MustParsePrefix("fd12:3456:789a:ff00::1/64")}}
	f.NoIPv6 = map[string]bool{}
	f.Forward6 = "1"
	f.RouteDev = map[netip.Prefix]string{netip.MustParsePrefix("10.20.0.0/24"): "wg0", netip.MustParsePrefix(siteB6): "wg0"}
	return f
}

// TestDiagnoseV6: each IPv6 problem of a server with a routed LAN and a
// site with an IPv6 subnet, as facts, is named once by the right check
// with its fix; the healthy facts give none.
func TestDiagnoseV6(t *testing.T) {
	cases := []struct {
		name   string
		break_ func(f *DoctorFacts)
		want   []string // checks, in order
		fix    string   // in the first finding's fix
		text   string   // in the first finding's problem or evidence
	}{
		{"healthy", func(f *DoctorFacts) {}, nil, "", ""},
		{"site's IPv6 subnet routed to wan", func(f *DoctorFacts) { f.RouteDev[netip.MustParsePrefix(siteB6)] = "eth1" },
			[]string{"route-missing"}, "ifup wg0", "fd12:3456:789b::/60 is not routed into wg0"},
		{"site's IPv6 subnet unreachable", func(f *DoctorFacts) { f.RouteDev[netip.MustParsePrefix(siteB6)] = Unreachable },
			[]string{"route-missing"}, "ifup wg0", "ip route get fd12:3456:789b::1: Network is unreachable"},
		{"site's IPv6 subnet under an unreachable route", func(f *DoctorFacts) { f.RouteDev[netip.MustParsePrefix(siteB6)] = NoRouteToHost },
			[]string{"route-missing"}, "ifup wg0", "ip route get fd12:3456:789b::1: No route to host"},
		{"IPv6 address not on the device", func(f *DoctorFacts) { f.DevAddrs["wg0"] = f.DevAddrs["wg0"][:1] },
			[]string{"address6-missing"}, "ifup wg0; logread", "no fd12:3456:789a:ff00::1/64"},
		{"IPv6 disabled on the device (its routes' finding is left out)", func(f *DoctorFacts) {
			f.DevAddrs["wg0"] = f.DevAddrs["wg0"][:1]
			f.NoIPv6["wg0"] = true
			f.RouteDev[netip.MustParsePrefix(siteB6)] = Unreachable
		}, []string{"address6-missing"}, "sysctl -w net.ipv6.conf.wg0.disable_ipv6=0 && ifup wg0", "net.ipv6.conf.wg0.disable_ipv6 = 1"},
		{"IPv6 forwarding off", func(f *DoctorFacts) { f.Forward6 = "0" },
			[]string{"ipv6-forwarding-off"}, "sysctl -w net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.all.forwarding = 0"},
		{"IPv6 forwarding unknown", func(f *DoctorFacts) { f.Forward6 = "" }, nil, "", ""},
		{"not live", func(f *DoctorFacts) { f.Live = false; f.Forward6 = "0" }, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := healthyFacts6(t)
			c.break_(&f)
			got := Diagnose(f)
			var names []string
			for _, g := range got {
				names = append(names, g.Check)
			}
			if strings.Join(names, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got [%s], want [%s]: %+v", strings.Join(names, ","), strings.Join(c.want, ","), got)
			}
			if len(got) > 0 && (!strings.Contains(got[0].Fix, c.fix) || !strings.Contains(got[0].Problem+" | "+got[0].Evidence, c.text)) {
				t.Errorf("fix %q lacks %q, or problem/evidence %q lacks %q", got[0].Fix, c.fix, got[0].Problem+" | "+got[0].Evidence, c.text)
			}
		})
	}
}

// TestForwards6: IPv6 forwarding matters to a server whose peers reach
// the LAN (or the internet, each other) and to a link routing IPv6
// beyond the tunnel's subnet; not to a server whose peers reach only
// the router, nor to an interface without IPv6.
func TestForwards6(t *testing.T) {
	st, _ := doctorState(t)
	if !forwards6(st, "wg0") {
		t.Error("routed LAN access: does not forward IPv6")
	}
	st.Wgowrt.Section("wg0").Option("lan_access").Values = []string{wg.AccessNone}
	if forwards6(st, "wg0") {
		t.Error("LAN access none, peers inside the tunnel's subnet: forwards IPv6")
	}
	o := st.Network.Section("wgowrt_wg0_office").Option("allowed_ips")
	o.Values = append(o.Values, siteB6)
	if !forwards6(st, "wg0") {
		t.Error("a site routing an IPv6 subnet: does not forward IPv6")
	}
	st.Network.Section("wg0").Option("addresses").Values = []string{"10.8.0.1/24"}
	if forwards6(st, "wg0") {
		t.Error("no IPv6 on the interface: forwards IPv6")
	}
	// A ::/0 peer forwards the LAN's IPv6 in a full tunnel (TestDiagnoseLeak6's
	// client), nobody's in a source-routed client without a gateway.
	o.Values = []string{"10.20.0.0/24", "::/0"}
	st.Network.Section("wg0").Option("addresses").Values = []string{"10.8.0.1/24", "fd12:3456:789a:ff00::1/64"}
	if forwards6(st, "wg0") {
		t.Error("::/0 of a router that is no full tunnel and has no --block6: forwards IPv6")
	}
	st.Network.Set(uci.Ptr{Package: "network", Section: "wgowrt_wg0_gw", Value: "interface", HasValue: true})
	st.Network.SetOption("wgowrt_wg0_gw", "ip6addr", "2001:db8:44:1::1/64")
	if !forwards6(st, "wg0") {
		t.Error("::/0 with a --block6 gateway: does not forward IPv6")
	}
}

// TestDiagnoseMasquerade6: a server with --lan-access masquerade and
// --internet on a ULA subnet needs its IPv6 masqueraded towards the LAN
// and towards wan; each missing one is named with the nat section that
// puts it back; a zone's masq6 stands in; a global subnet needs none
// towards wan.
func TestDiagnoseMasquerade6(t *testing.T) {
	o := testOps(t)
	yes := true
	e, _ := wg.ParseEndpoint("vpn.example.com")
	if _, err := o.ServerInit(ServerInit{Intent: plan.ServerIntent{Iface: "wg0", Endpoint: &e, LanAccess: wg.AccessMasquerade, Internet: &yes}}); err != nil {
		t.Fatal(err)
	}
	st, _, _ := o.Read("", "wg0")
	f := DoctorFacts{State: st, Now: time.Now()}
	if got := Diagnose(f); len(got) > 0 {
		t.Fatalf("healthy: %+v", got)
	}
	for _, c := range []struct{ sec, zone string }{{"wgowrt_wg0_masq6", "lan"}, {"wgowrt_wg0_wan_masq6", "wan"}} {
		st, _, _ := o.Read("", "wg0")
		if err := st.Firewall.DeleteSection(c.sec); err != nil {
			t.Fatal(err)
		}
		f.State = st
		want := "firewall." + c.sec + ".src='" + c.zone + "' && uci set firewall." + c.sec + ".src_ip='fd12:3456:789a:ff00::/64'"
		got := Diagnose(f)
		if len(got) != 1 || got[0].Check != "masquerade6-missing" || !strings.Contains(got[0].Fix, want) || !strings.Contains(got[0].Fix, "family='ipv6'") {
			t.Errorf("%s deleted: %+v", c.sec, got)
		}
		st.Firewall.SetOption(zoneOf(st.Firewall, c.zone).Name, "masq6", "1")
		if got := Diagnose(f); len(got) > 0 {
			t.Errorf("%s deleted but zone %s has masq6: %+v", c.sec, c.zone, got)
		}
	}
	// An IPv6 nat for every source stands in for masq6, not for the
	// IPv4 masquerade.
	st, _, _ = o.Read("", "wg0")
	st.Firewall.DeleteSection("wgowrt_wg0_masq")
	st.Firewall.DeleteSection("wgowrt_wg0_masq6")
	st.Firewall.SetOption("wgowrt_wg0_wan_masq6", "src", "lan")
	st.Firewall.SetOption("wgowrt_wg0_wan_masq6", "src_ip", "")
	st.Firewall.SetOption(zoneOf(st.Firewall, "wan").Name, "masq6", "1")
	if got := Diagnose(DoctorFacts{State: st, Now: time.Now()}); len(got) != 1 || got[0].Check != "masquerade-missing" {
		t.Errorf("only an IPv6 nat on lan: %+v", got)
	}
	st, _, _ = o.Read("", "wg0")
	st.Firewall.DeleteSection("wgowrt_wg0_wan_masq6")
	st.Network.Section("wg0").Option("addresses").Values = []string{"10.8.0.1/24", "2001:db8:5::1/64"}
	st.Firewall.Section("wgowrt_wg0_masq6").Option("src_ip").Values = []string{"2001:db8:5::/64"}
	if got := Diagnose(DoctorFacts{State: st, Now: time.Now()}); len(got) > 0 {
		t.Errorf("a global IPv6 subnet needs no masquerade towards wan: %+v", got)
	}
}

// TestDiagnoseLeak6: a full-tunnel client's table without its
// unreachable ::/0 lets the LAN's IPv6 leak through wan: named, with
// `ifup loopback` while the route6 section is there and the section
// itself when it is gone; silent when the table cannot be read.
func TestDiagnoseLeak6(t *testing.T) {
	o := testOps(t)
	st := fullTunnel(t, o, "10.66.0.2/32, fd00:64::2/128", "0.0.0.0/0, ::/0")
	table := opt(st.Network, "wgc", "ip6table")
	if table == "" || st.Network.Section("wgowrt_wgc_ks6") == nil {
		t.Fatalf("the full tunnel has no ip6table or no route6 wgowrt_wgc_ks6")
	}
	f := DoctorFacts{State: st, Only: "wgc", Live: true, Module: true, Now: time.Now(), Up: map[string]bool{"wgc": true},
		Devices: map[string]*wgtypes.Device{"wgc": {Name: "wgc"}}, Forward6: "1",
		Tables6: map[string]string{table: "default dev wgc proto static metric 1024 pref medium\nunreachable default dev lo proto static metric 65535 pref medium\n"}}
	if got := Diagnose(f); len(got) > 0 {
		t.Fatalf("healthy full tunnel: %+v", got)
	}
	f.Tables6[table] = "default dev wgc proto static metric 1024 pref medium\n"
	got := Diagnose(f)
	if len(got) != 1 || got[0].Check != "ipv6-leak" || !strings.HasPrefix(got[0].Fix, "ifup loopback") || !strings.Contains(got[0].Evidence, "table "+table) {
		t.Errorf("unreachable ::/0 gone from the kernel: %+v", got)
	}
	st.Network.DeleteSection("wgowrt_wgc_ks6")
	got = Diagnose(f)
	if len(got) != 1 || got[0].Check != "ipv6-leak" || !strings.Contains(got[0].Fix, "network.wgowrt_wgc_ks6.table='"+table+"'") {
		t.Errorf("route6 section gone: %+v", got)
	}
	delete(f.Tables6, table)
	if got := Diagnose(f); len(got) > 0 {
		t.Errorf("table unknown: %+v", got)
	}
}

// TestRoutedBoth: route_allowed_ips routes both families; /0 goes by
// policy routing; a v6 probe address is the first host.
func TestRoutedBoth(t *testing.T) {
	p := plan.Peer{AllowedIPs: []string{"10.20.0.0/24", "fd12::/60", "::/0", "0.0.0.0/0", "fd00::2/128"}}
	var got []string
	for _, pf := range routedBoth(p) {
		got = append(got, pf.String()+">"+probeAddr(pf).String())
	}
	if want := "10.20.0.0/24>10.20.0.1,fd12::/60>fd12::1,fd00::2/128>fd00::2"; strings.Join(got, ",") != want {
		t.Errorf("got %s, want %s", strings.Join(got, ","), want)
	}
}
