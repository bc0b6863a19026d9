//go:build lab_realizer

package netns

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/txtar"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/test/netns/realize"
)

// compareWireGuard checks every want/wg-showconf-<iface> against the device
// the realizer configured, read back through wgctrl. Peer order is ignored
// (wireguard-go iterates a map); an unset listen_port must give some port.
func compareWireGuard(t *testing.T, a *txtar.Archive, r *realize.Router) {
	t.Helper()
	c, err := wgdev.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for iface, conf := range a.Prefixed("want/wg-showconf-") {
		dev := r.WG[iface]
		if dev == nil {
			t.Errorf("no WireGuard device realized for %s", iface)
			continue
		}
		d, err := c.Device(dev.UAPI)
		if err != nil {
			t.Fatal(err)
		}
		want := parseShowconf(string(conf))
		got := showconfOf(d)
		if !strings.Contains(get(a, "in/network"), "listen_port") {
			delete(want, "ListenPort")
			delete(got, "ListenPort")
			if d.ListenPort == 0 {
				t.Errorf("%s: no listen port", iface)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s wg showconf mismatch (-want +got):\n%s", iface, diff)
		}
	}
}

// parseShowconf flattens `wg showconf` into key -> value, peers keyed by
// public key, AllowedIPs sorted.
func parseShowconf(s string) map[string]string {
	m := map[string]string{}
	peer := ""
	for _, l := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			if strings.TrimSpace(l) == "[Peer]" {
				peer = "?"
			}
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "PublicKey" {
			peer = v
			continue
		}
		if k == "AllowedIPs" {
			ips := strings.Split(v, ",")
			for i := range ips {
				ips[i] = strings.TrimSpace(ips[i])
			}
			sort.Strings(ips)
			v = strings.Join(ips, ", ")
		}
		if peer != "" {
			k = peer + " " + k
		}
		m[k] = v
	}
	return m
}

func showconfOf(d *wgtypes.Device) map[string]string {
	m := map[string]string{"PrivateKey": d.PrivateKey.String(), "ListenPort": strconv.Itoa(d.ListenPort)}
	for _, p := range d.Peers {
		k := p.PublicKey.String() + " "
		var ips []string
		for _, ip := range p.AllowedIPs {
			ips = append(ips, ip.String())
		}
		sort.Strings(ips)
		if len(ips) > 0 {
			m[k+"AllowedIPs"] = strings.Join(ips, ", ")
		}
		if p.Endpoint != nil {
			m[k+"Endpoint"] = p.Endpoint.String()
		}
		if p.PersistentKeepaliveInterval > 0 {
			m[k+"PersistentKeepalive"] = strconv.Itoa(int(p.PersistentKeepaliveInterval.Seconds()))
		}
		if p.PresharedKey != (wgtypes.Key{}) {
			m[k+"PresharedKey"] = p.PresharedKey.String()
		}
	}
	return m
}
