package supervise

// TestPeerExpiryLab proves peer expiry on the real OpenWrt stack: three
// OpenWrt containers (owrt-boot: procd, netifd, ubusd, logd), wgowrt
// installed in the server as the package installs it, userspace
// WireGuard.
//
//	guest G                     server S (wgowrt supervise)          neighbour N
//	 eth1 10.0.0.2 ------------ eth1 10.0.0.1    eth2 10.0.1.1 ------ eth1 10.0.1.2
//	 wg0 10.9.0.2 -> 10.0.0.1   wg0 10.9.0.1/24 :51820                wg0 10.9.0.3 -> 10.0.1.1
//	                            peers (wgowrt peer add): guest --expires NOW+25s, neighbour
//
// Both clients ping S through the tunnel until the guest's expiry; at
// that moment (the supervisor ticks every second here) the guest's pings
// stop and keep failing, the neighbour's go on, its latest handshake on S
// and S's wg0 link are unchanged (no interface restart). One
// peer.expired line in logread, the ubus event and the hotplug.d/wgowrt
// script; `peer enable guest` is refused naming `peer set --expires`;
// `ifup wg0` (netifd reading what the supervisor wrote, as at boot) leaves
// the guest out; `peer set guest --for 1h` lets its traffic through again.
//
// Cost: about 60 s (three containers). Skipped without root or the
// oracle, unless WGOWRT_REQUIRE_PRIVILEGED=1.

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/testenv"
)

const expiryServerNetwork = wanHead + `	option ipaddr '10.0.0.1'
	option netmask '255.255.255.0'

config interface 'lan'
	option device 'eth2'
	option proto 'static'
	option ipaddr '10.0.1.1'
	option netmask '255.255.255.0'

config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	option listen_port '51820'
	list addresses '10.9.0.1/24'
`

func expiryClientNetwork(own wgtypes.Key, wan, gw, tun string, srv wgtypes.Key) string {
	return fmt.Sprintf(wanHead+`	option ipaddr '%s'
	option netmask '255.255.255.0'

config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	list addresses '%s/24'

config wireguard_wg0 'srv'
	option public_key '%s'
	option endpoint_host '%s'
	option persistent_keepalive '5'
	list allowed_ips '10.9.0.0/24'
`, wan, own, tun, srv.PublicKey(), gw)
}

type expiryLab struct {
	boot, s, g, n string
	b             func(...string) string
	srv, gk, nk   wgtypes.Key
}

func TestPeerExpiryLab(t *testing.T) {
	boot := testenv.OracleTool(t, "owrt-boot")
	pid := os.Getpid()
	l := &expiryLab{boot: boot, b: testenv.Runner(t, boot),
		s: fmt.Sprintf("exps%d", pid), g: fmt.Sprintf("expg%d", pid), n: fmt.Sprintf("expn%d", pid)}
	for _, k := range []*wgtypes.Key{&l.srv, &l.gk, &l.nk} {
		var err error
		if *k, err = wgtypes.GeneratePrivateKey(); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(boot, l.s, "exec", "logread").CombinedOutput()
			t.Logf("server logread:\n%s", out)
		}
		for _, c := range []string{l.g, l.n, l.s} {
			testenv.BootDown(boot, c)
		}
	})
	expires := l.setUp(t)
	l.cutAtExpiry(t, expires)
	l.refuseEnable(t)
}

// setUp boots the three routers, installs and starts wgowrt on S, adds
// the two peers with wgowrt (the guest expiring 25 s later) and waits for
// both tunnels.
func (l *expiryLab) setUp(t *testing.T) time.Time {
	b := l.b
	b(l.s, "up", "--config", configDir(t, map[string]string{"network": fmt.Sprintf(expiryServerNetwork, l.srv),
		"firewall": openFirewall, "wgowrt": fastSupervise}))
	b(l.g, "up", "--config", configDir(t, map[string]string{"firewall": openFirewall,
		"network": expiryClientNetwork(l.gk, "10.0.0.2", "10.0.0.1", "10.9.0.2", l.srv)}), "--link", "eth1="+l.s+":eth1")
	b(l.n, "up", "--config", configDir(t, map[string]string{"firewall": openFirewall,
		"network": expiryClientNetwork(l.nk, "10.0.1.2", "10.0.1.1", "10.9.0.3", l.srv)}), "--link", "eth1="+l.s+":eth2")
	testenv.Install(t, l.boot, l.s, map[string]string{
		"usr/sbin/wgowrt":   bin,
		"etc/init.d/wgowrt": "../../package/files/wgowrt.init",
	})
	b(l.s, "exec", "sh", "-c", `mkdir -p /etc/hotplug.d/wgowrt
		printf '#!/bin/sh\necho "$ACTION $INTERFACE $PEER $EXPIRES" >> /tmp/hotplug.log\n' > /etc/hotplug.d/wgowrt/10-test
		(ubus listen wgowrt.peer.expired > /tmp/events 2>&1 </dev/null &)`)
	b(l.s, "exec", "wgowrt", "peer", "add", "neighbour", "--public-key", l.nk.PublicKey().String(), "--ip", "10.9.0.3", "-o", "/tmp/n.conf")
	expires := time.Now().Add(25 * time.Second).UTC().Truncate(time.Second)
	b(l.s, "exec", "wgowrt", "peer", "add", "guest", "--public-key", l.gk.PublicKey().String(), "--ip", "10.9.0.2",
		"--expires", expires.Format(time.RFC3339), "-o", "/tmp/g.conf")
	b(l.s, "exec", "sh", "-c", "/etc/init.d/wgowrt enable && /etc/init.d/wgowrt start")
	waitFor(t, "both tunnels up", 15*time.Second, func() bool {
		return ping(l.boot, l.g, "10.9.0.1") && ping(l.boot, l.n, "10.9.0.1")
	})
	if st := b(l.s, "exec", "wgowrt", "status"); !strings.Contains(st, "active, expires "+expires.Format("2006-01-02 15:04")) {
		t.Errorf("status before the expiry does not show it:\n%s", st)
	}
	if time.Until(expires) < 5*time.Second {
		t.Fatalf("setting up took too long: %s left before the expiry", time.Until(expires))
	}
	return expires
}

// cutAtExpiry pings through both tunnels until 8 s past the expiry: the
// guest's pings succeed before and fail from at most 3 s after it, the
// neighbour's never fail, its handshake and S's wg0 link do not change.
func (l *expiryLab) cutAtExpiry(t *testing.T, expires time.Time) {
	nbHandshake := handshake(t, l.b, l.s, l.nk.PublicKey())
	link := l.b(l.s, "exec", "cat", "/sys/class/net/wg0/ifindex")
	var lastOK, firstFail time.Time
	for time.Now().Before(expires.Add(8 * time.Second)) {
		at := time.Now()
		switch ok := ping(l.boot, l.g, "10.9.0.1"); {
		case ok && !firstFail.IsZero():
			t.Fatalf("the guest's ping went through at %s, after failing at %s", at.Format("15:04:05.0"), firstFail.Format("15:04:05.0"))
		case ok:
			lastOK = at
		case firstFail.IsZero():
			firstFail = at
		}
		if !ping(l.boot, l.n, "10.9.0.1") {
			t.Errorf("the neighbour's ping failed at %s (expiry %s)", time.Now().Format("15:04:05.0"), expires.Format("15:04:05"))
		}
	}
	t.Logf("expiry %s: guest's last ping through %s, first lost %s (%.1f s after the expiry)", expires.Format("15:04:05"),
		lastOK.Format("15:04:05.0"), firstFail.Format("15:04:05.0"), firstFail.Sub(expires).Seconds())
	if firstFail.IsZero() || firstFail.Before(expires.Add(-time.Second)) || firstFail.After(expires.Add(3*time.Second)) {
		t.Errorf("the guest's traffic stopped at %s, want within 3 s after %s", firstFail.Format("15:04:05.0"), expires.Format("15:04:05"))
	}
	if h := handshake(t, l.b, l.s, l.nk.PublicKey()); h != nbHandshake {
		t.Errorf("the neighbour's latest handshake changed (%s -> %s): its session was touched", nbHandshake, h)
	}
	if now := l.b(l.s, "exec", "cat", "/sys/class/net/wg0/ifindex"); now != link {
		t.Errorf("S's wg0 was re-created (ifindex %s -> %s)", strings.TrimSpace(link), strings.TrimSpace(now))
	}
	l.checkAnnounced(t, expires)
}

// checkAnnounced: one log line, the ubus event, the hotplug script; UCI
// has the guest disabled and marked expired.
func (l *expiryLab) checkAnnounced(t *testing.T, expires time.Time) {
	exp := expires.Format(time.RFC3339)
	if log := l.b(l.s, "exec", "sh", "-c", "logread -e wgowrt"); strings.Count(log, "peer.expired wg0/guest") != 1 {
		t.Errorf("logread: want one line peer.expired wg0/guest:\n%s", log)
	}
	if ev := l.b(l.s, "exec", "cat", "/tmp/events"); !strings.Contains(ev, `"wgowrt.peer.expired": {"expires":"`+exp+`","interface":"wg0","peer":"guest"}`) {
		t.Errorf("ubus listen saw:\n%s", ev)
	}
	if hp := l.b(l.s, "exec", "cat", "/tmp/hotplug.log"); strings.Count(hp, "peer.expired") != 1 || !strings.Contains(hp, "peer.expired wg0 guest "+exp+"\n") {
		t.Errorf("hotplug.d/wgowrt saw:\n%s", hp)
	}
	uci := l.b(l.s, "exec", "sh", "-c", "uci get network.wgowrt_wg0_guest.disabled; uci get wgowrt.wgowrt_wg0_guest.expired; uci -q get network.wgowrt_wg0_neighbour.disabled || echo enabled")
	if f := strings.Fields(uci); len(f) != 3 || f[0] != "1" || f[2] != "enabled" {
		t.Errorf("UCI after the expiry (guest disabled, expired at; neighbour):\n%s", uci)
	}
}

// refuseEnable: `peer enable guest` is refused with the way out; status
// says expired; netifd setting wg0 up again (as at boot) leaves the guest
// out; a new expiry lets the guest's traffic through again.
func (l *expiryLab) refuseEnable(t *testing.T) {
	out, err := exec.Command(l.boot, l.s, "exec", "wgowrt", "peer", "enable", "guest").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "give it a new expiry with 'wgowrt peer set guest --expires DATE'") {
		t.Errorf("peer enable of the expired guest: %v\n%s", err, out)
	}
	if st := l.b(l.s, "exec", "wgowrt", "status"); !strings.Contains(st, "expired 20") {
		t.Errorf("status does not show the guest expired:\n%s", st)
	}
	if ping(l.boot, l.g, "10.9.0.1") {
		t.Errorf("the refused enable let the guest through")
	}
	// As after a reboot: netifd sets wg0 up from the configuration the
	// supervisor wrote, without the guest.
	l.b(l.s, "exec", "ifup", "wg0")
	waitFor(t, "the neighbour's traffic after ifup wg0", 20*time.Second, func() bool { return ping(l.boot, l.n, "10.9.0.1") })
	if peers := l.b(l.s, "exec", "wg", "show", "wg0", "peers"); strings.Contains(peers, l.gk.PublicKey().String()) || ping(l.boot, l.g, "10.9.0.1") {
		t.Errorf("netifd brought the expired guest back:\n%s", peers)
	}
	l.b(l.s, "exec", "wgowrt", "peer", "set", "guest", "--for", "1h")
	waitFor(t, "the guest's traffic after peer set --for 1h", 15*time.Second, func() bool { return ping(l.boot, l.g, "10.9.0.1") })
}
