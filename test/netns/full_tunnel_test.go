package netns

import (
	"path/filepath"
	"testing"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Full-tunnel client with kill switch on the real netifd and fw4
// (testdata/full-tunnel: the stock
// router with lan->wan forwarding removed, wgc 10.64.0.2/32 with a /0 peer,
// zone wgc with masq and lan->wgc forwarding).
//
//	┌──────────────┐    ┌─────────────────────────┐    ┌───────────────────┐    ┌─────────────────────┐
//	│ lanhost      │    │ router (owrt-ns)        │    │ inet              │    │ vpnsrv (wg-quick)   │
//	│ 192.168.1.10 ├────┤ br-lan 192.168.1.1      │    │ 203.0.113.1/24    │    │ eth0 198.51.100.7   │
//	└──────────────┘    │ veth-wan 203.0.113.2 ───┼────┤ 198.51.100.1/24 ──┼────┤ wg 10.64.0.1/24     │
//	                    │ wgc 10.64.0.2/32        │    │ 192.0.2.1/24 ──┐  │    │ forwards to inet    │
//	                    └─────────────────────────┘    └────────────────┼──┘    └─────────────────────┘
//	                                                        ┌───────────┴──┐
//	                                                        │ web          │
//	                                                        │ 192.0.2.80:7 │
//	                                                        └──────────────┘
//
// inet routes 10.64.0.0/24 to vpnsrv, so the web host sees which path a
// connection took: 10.64.0.2 (router's tunnel address, wgc masq) through the
// tunnel, 203.0.113.2 (wan masq) if it leaked past the tunnel.
type fullTunnel struct {
	r                    *lab.Router
	router, lanHost, web *lab.NS
}

const vpnServerConf = `[Interface]
PrivateKey = KGqBl0MtRnrJCOWX38+PKyRDEINezmkToIZ18vXZ7lE=
ListenPort = 51820
Address = 10.64.0.1/24

[Peer]
PublicKey = mKmeb14h2j9By1vGD0rAft2t9TTd8X9IU4pv/5Q/Gl8=
AllowedIPs = 10.64.0.2/32
`

// newFullTunnel boots testdata/full-tunnel with extraFirewall appended.
func newFullTunnel(t *testing.T, extraFirewall string) *fullTunnel {
	l := lab.New(t)
	cfg := testdataConfig(t, "full-tunnel")
	if extraFirewall != "" {
		_, fw := readTestdata(t, "full-tunnel")
		writeFile(t, filepath.Join(cfg, "firewall"), fw+extraFirewall)
	}
	inet := internet(t, l)
	vpn := attach(t, l, "vpnsrv", inet, "v1", "198.51.100.1/24", "198.51.100.7/24")
	if err := vpn.Sysctl("net.ipv4.ip_forward", "1"); err != nil {
		t.Fatal(err)
	}
	wgQuick(t, vpn, "wg", vpnServerConf)
	inet.MustRun("ip", "route", "add", "10.64.0.0/24", "via", "198.51.100.7")
	web := attach(t, l, "web", inet, "w1", "192.0.2.1/24", "192.0.2.80/24")
	web.ServeTCPEcho("0.0.0.0:" + echoPort)
	site := buildSite(t, l, "router", cfg, handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	site.r.Wait("wgc")
	return &fullTunnel{r: site.r, router: site.ns, lanHost: site.lanHost, web: web}
}

// tunnelFails is netifd taking wgc down (`ifdown wgc`) and wan set up
// again (`ifup wan`): wgc's default route had replaced wan's in main
// (netifd/client-full.txtar), so wan's comes back only when wan is
// (re)applied.
func (ft *fullTunnel) tunnelFails() {
	ft.r.MustExec("ifdown", "wgc")
	ft.r.MustExec("ifup", "wan")
	ft.r.Settle("wan")
}

func TestFullTunnelKillSwitch(t *testing.T) {
	t.Parallel()
	ft := newFullTunnel(t, "")
	web := "192.0.2.80:" + echoPort
	expectReached(t, "LAN host -> web through the tunnel", ft.lanHost.TCP(web, ""), "10.64.0.2")

	ft.tunnelFails()
	expectReached(t, "router itself -> web over wan (the path exists)", ft.router.TCP(web, ""), "203.0.113.2")
	expectBlocked(t, "LAN host -> web with the tunnel down (kill switch)", ft.lanHost.TCP(web, ""))
}

// TestFullTunnelLeaksWithoutKillSwitch is the control: with the stock
// lan->wan forwarding put back, the same step leaks over wan, so the kill
// switch assertion above is really about the missing forwarding.
func TestFullTunnelLeaksWithoutKillSwitch(t *testing.T) {
	t.Parallel()
	ft := newFullTunnel(t, "\nconfig forwarding\n\toption src 'lan'\n\toption dest 'wan'\n")
	ft.tunnelFails()
	expectReached(t, "LAN host -> web leaks over wan", ft.lanHost.TCP("192.0.2.80:"+echoPort, ""), "203.0.113.2")
}
