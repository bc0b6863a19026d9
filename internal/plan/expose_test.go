package plan

import (
	"net/netip"
	"testing"
)

func TestParsePortSpec(t *testing.T) {
	for _, c := range []struct {
		in   string
		want PortSpec
		ok   bool
	}{
		{"8080:80/tcp", PortSpec{8080, 80, "tcp"}, true},
		{"8080", PortSpec{8080, 8080, "tcp"}, true},
		{"53:5353/UDP", PortSpec{53, 5353, "udp"}, true},
		{"8080:80/icmp", PortSpec{}, false},
		{"0:80", PortSpec{}, false},
		{"8080:", PortSpec{}, false},
		{"80-90/tcp", PortSpec{}, false},
	} {
		got, err := ParsePortSpec(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParsePortSpec(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestPortIn(t *testing.T) {
	for _, c := range []struct {
		spec string
		port int
		want bool
	}{{"8080", 8080, true}, {"8000-8100", 8080, true}, {"8000:8100", 8101, false}, {"", 80, false}, {"http", 80, false}} {
		if got := portIn(c.spec, c.port); got != c.want {
			t.Errorf("portIn(%q, %d) = %v, want %v", c.spec, c.port, got, c.want)
		}
	}
}

// TestOption121 checks the RFC 3442 form dnsmasq expects: destination/len
// and gateway pairs, the default route last.
func TestOption121(t *testing.T) {
	via := netip.MustParseAddr("192.168.1.2")
	routes := []LanRoute{{Dest: netip.MustParsePrefix("10.8.0.0/24"), Via: via}, {Dest: netip.MustParsePrefix("192.168.2.0/24"), Via: via}}
	want := "121,10.8.0.0/24,192.168.1.2,192.168.2.0/24,192.168.1.2,0.0.0.0/0,192.168.1.1"
	if got := option121(routes, defaultGateway([]string{"6,1.1.1.1", "3,192.168.1.1"}, via)); got != want {
		t.Errorf("option121 = %s, want %s", got, want)
	}
	if got := defaultGateway([]string{"option:router,10.0.0.1"}, via); got != "10.0.0.1" {
		t.Errorf("defaultGateway(option:router) = %s", got)
	}
	if got := defaultGateway(nil, via); got != "192.168.1.2" {
		t.Errorf("defaultGateway without option 3 = %s, want the router itself", got)
	}
}

func TestRouterService(t *testing.T) {
	st := stockState(t)
	st.Live.Services = []RouterService{{Port: 2200, Proto: "tcp", What: "ssh (dropbear)"}}
	if _, err := st.Firewall.NewSection("rule", "any_zone"); err != nil {
		t.Fatal(err)
	}
	for _, o := range [][2]string{{"src", "*"}, {"proto", "tcp udp"}, {"dest_port", "8443 9000-9010"}, {"target", "accept"}} {
		st.Firewall.SetOption("any_zone", o[0], o[1])
	}
	for _, c := range []struct {
		on   string
		port PortSpec
		want bool
	}{
		{"lan", PortSpec{Listen: 53, Proto: "udp"}, true},
		{"lan", PortSpec{Listen: 80, Proto: "tcp"}, true},
		{"wan", PortSpec{Listen: 22, Proto: "tcp"}, true},
		{"wan", PortSpec{Listen: 443, Proto: "tcp"}, true},
		{"wan", PortSpec{Listen: 68, Proto: "udp"}, true},   // Allow-DHCP-Renew
		{"wan", PortSpec{Listen: 546, Proto: "udp"}, true},  // Allow-DHCPv6
		{"wan", PortSpec{Listen: 2200, Proto: "tcp"}, true}, // dropbear's port
		{"wan", PortSpec{Listen: 53, Proto: "udp"}, false},
		{"wan", PortSpec{Listen: 2222, Proto: "tcp"}, false},
		{"wan", PortSpec{Listen: 68, Proto: "tcp"}, false},
		{"lan", PortSpec{Listen: 8080, Proto: "tcp"}, false},
		{"wan", PortSpec{Listen: 9005, Proto: "udp"}, true}, // src '*' covers wan, in the range
		{"lan", PortSpec{Listen: 8443, Proto: "tcp"}, true},
		{"wan", PortSpec{Listen: 9011, Proto: "tcp"}, false},
	} {
		if got := routerService(st, c.on, c.on, c.port) != ""; got != c.want {
			t.Errorf("%s %d/%s: hides a router service = %v, want %v", c.on, c.port.Listen, c.port.Proto, got, c.want)
		}
	}
}
