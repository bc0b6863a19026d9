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
