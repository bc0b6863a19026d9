package netns

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Scenario 1 on the real OpenWrt stack (owrt-ns: netifd, fw4): the
// road-warrior server on examples/router (the repository's
// stock OpenWrt 24.10 tree: br-lan over lan1..lan4, wan proto dhcp, wan6
// dhcpv6) plus testdata/road-warrior's hand-written additions: wg0
// 10.8.0.1/24 on udp/51820, one peer, zone vpn, Allow-WireGuard on wan,
// lan<->vpn forwardings. A roaming phone sits on the internet.
//
// inet is the ISP, which would lease wan 203.0.113.2/24 with router
// 203.0.113.1 by DHCP; the oracle has no DHCP client, so wan is set to
// that lease statically (exampleConfig). It has no IPv6, so wan6 stays down. lan1 is cabled to the
// LAN host, lan2..lan4 are empty ports.
//
//	┌───────────────┐       ┌───────────────────────────┐       ┌──────────────────┐       ┌────────────────────┐
//	│ lanhost       │       │ router (owrt-ns)          │       │ inet             │       │ phone (wg-quick)   │
//	│ 192.168.1.10  ├──lan1─┤ br-lan 192.168.1.1        │       │ 203.0.113.1/24   │       │ wg 10.8.0.2/32     │
//	│ echo :7       │       │ wan 203.0.113.2 ──────────┼───────┤ 198.51.100.1/24 ─┼───────┤ eth0 198.51.100.10 │
//	└───────────────┘       │ wg0 10.8.0.1/24 :51820    │       │ 192.0.2.1/24 ──┐ │       │   (roams to .11)   │
//	                        └───────────────────────────┘       └────────────────┼─┘       └────────────────────┘
//	                                                                ┌────────────┴───┐
//	                                                                │ attacker       │
//	                                                                │ 192.0.2.66     │
//	                                                                └────────────────┘
//
// inet routes 192.168.1.0/24 to the router, so only the router's firewall
// keeps the attacker out of the LAN.
type roadWarrior struct {
	r                                      *lab.Router
	router, lanHost, inet, phone, attacker *lab.NS
}

const phoneConf = `[Interface]
PrivateKey = wCSzpwzy4Sicbc2J10bJ6cdYIpccLuPBXh69RgtAdnY=
Address = 10.8.0.2/32

[Peer]
PublicKey = sRGtH59Ye4T7FbeWTZqJNcBRZFCRzK6aRHDaFZbRvQQ=
Endpoint = 203.0.113.2:51820
AllowedIPs = 10.8.0.0/24, 192.168.1.0/24
`

// newRoadWarrior boots examples/router with testdata/road-warrior
// appended; dropRule, when set, is a block removed from that firewall.
func newRoadWarrior(t *testing.T, dropRule string) *roadWarrior {
	l := lab.New(t)
	net, fw := readTestdata(t, "road-warrior")
	if dropRule != "" {
		fw = withoutSection(t, fw, dropRule)
	}
	inet := internet(t, l)
	site := buildSite(t, l, "router", exampleConfig(t, "\n"+net, "\n"+fw), handler, inet, boardWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	site.r.Wait("wg0")
	inet.MustRun("ip", "route", "add", "192.168.1.0/24", "via", "203.0.113.2")
	rw := &roadWarrior{r: site.r, router: site.ns, lanHost: site.lanHost, inet: inet}
	rw.phone = attach(t, l, "phone", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	rw.attacker = attach(t, l, "attacker", inet, "a1", "192.0.2.1/24", "192.0.2.66/24")
	wgQuick(t, rw.phone, "wg", phoneConf)
	rw.lanHost.ServeTCPEcho("0.0.0.0:" + echoPort)
	return rw
}

func TestRoadWarrior(t *testing.T) {
	t.Parallel()
	rw := newRoadWarrior(t, "")
	lanEcho := "192.168.1.10:" + echoPort

	expectReached(t, "phone -> LAN host through the tunnel", rw.phone.TCP(lanEcho, ""), "10.8.0.2")
	expectReached(t, "LAN host -> phone tunnel address (lan->vpn forwarding)", rw.lanHost.Ping("10.8.0.2"), "")
	expectBlocked(t, "attacker -> LAN host", rw.attacker.TCP(lanEcho, ""))
	expectReached(t, "attacker reaches the router's wan (control: the path exists)", rw.attacker.Ping("203.0.113.2"), "")

	// Roam: the phone's underlay address changes; the server learns the new
	// endpoint from the next authenticated packet.
	rw.phone.MustRun("ip", "addr", "del", "198.51.100.10/24", "dev", "eth0")
	rw.phone.MustRun("ip", "addr", "add", "198.51.100.11/24", "dev", "eth0")
	rw.phone.MustRun("ip", "route", "add", "default", "via", "198.51.100.1")
	expectReached(t, "phone -> LAN host after roaming", rw.phone.TCP(lanEcho, ""), "10.8.0.2")
	if ep := serverEndpoint(t, rw.r); ep != "198.51.100.11" {
		t.Errorf("server's endpoint for the phone = %s, want 198.51.100.11 after roaming", ep)
	}
}

// TestRoadWarriorWithoutWanRuleFails is the deliberately broken variant:
// without Allow-WireGuard the wan zone rejects udp/51820, so the same
// assertion that passes above must fail here.
func TestRoadWarriorWithoutWanRuleFails(t *testing.T) {
	t.Parallel()
	rw := newRoadWarrior(t, `
config rule
	option name 'Allow-WireGuard'
	option src 'wan'
	option proto 'udp'
	option dest_port '51820'
	option target 'ACCEPT'
`)
	if r := rw.phone.TCP("192.168.1.10:"+echoPort, ""); r.Outcome == lab.Reached {
		t.Fatalf("phone reached the LAN host although wan rejects udp/51820: %v", r)
	}
}

// serverEndpoint is the endpoint of the peer that handshook last minute,
// as the real `wg show wg0 dump` on the router reports it.
func serverEndpoint(t *testing.T, r *lab.Router) string {
	t.Helper()
	for _, line := range strings.Split(r.MustExec("wg", "show", "wg0", "dump"), "\n")[1:] {
		f := strings.Split(line, "\t")
		if len(f) < 5 || f[2] == "(none)" {
			continue
		}
		hs, _ := strconv.ParseInt(f[4], 10, 64)
		if hs > 0 && time.Since(time.Unix(hs, 0)) < time.Minute {
			host, _, _ := strings.Cut(f[2], ":")
			return host
		}
	}
	return "<none>"
}

// readTestdata is testdata/<dir>'s network and firewall.
func readTestdata(t *testing.T, dir string) (network, firewall string) {
	t.Helper()
	n, err := os.ReadFile(filepath.Join("testdata", dir, "network"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile(filepath.Join("testdata", dir, "firewall"))
	if err != nil {
		t.Fatal(err)
	}
	return string(n), string(f)
}

// withoutSection removes one hand-written block (exact text) from a config
// file, failing if it is not there, to build deliberately broken variants.
func withoutSection(t *testing.T, data, block string) string {
	t.Helper()
	if !strings.Contains(data, block) {
		t.Fatalf("block not found:\n%s", block)
	}
	return strings.Replace(data, block, "", 1)
}
