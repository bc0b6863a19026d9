// Package supervise proves `wgowrt supervise` on the real OpenWrt stack of
// ../shared/oracle: two OpenWrt containers (owrt-boot: procd as PID 1,
// netifd, ubusd, logd, hotplug-call), wgowrt installed in the client as
// the package installs it (binary, /etc/init.d/wgowrt, enabled, started by
// procd), userspace WireGuard.
//
//	client C (wgowrt supervise)              server S
//	 wan eth1 10.0.0.1/24 ------------------ eth1 10.0.0.2-.5/24 (.5 removed later)
//	 wg0 10.9.0.2/24, 10.9.1.2/24            wg0 10.9.0.1 :51820  (peer "srv", endpoint_host srv.test,
//	                                                               no port: 51820 by default)
//	                                         wg1 10.9.1.1 :51821  (peer "other", endpoint 10.0.0.3:51821)
//
// At boot srv.test does not resolve: stock netifd keeps wg0 down, both
// peers (wgowrt is installed only after boot here; boot_test.go boots with
// it); the supervisor then holds srv's endpoint back and asks netifd to
// set wg0 up; once the name is in /etc/hosts (10.0.0.5) srv joins. Then S loses .5 and
// /etc/hosts points srv.test at .4 -> the supervisor pushes the new address into
// the running peer, ping through the tunnel resumes, peer "other" keeps
// its session (same latest handshake); S's wg0 goes down and up -> a
// `ubus listen` subscriber and /etc/hotplug.d/wgowrt/ see peer.down then
// peer.up; C's wan goes down and up -> the tunnels carry traffic again.
// One line per event in logread, no key.
//
// Cost: about 60 s (two containers). Skipped without root or the oracle,
// unless WGOWRT_REQUIRE_PRIVILEGED=1.
package supervise

import (
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.RunWithWgowrt(m, &bin)) }

type keys struct{ s0, s1, c wgtypes.Key }

func newKeys(t *testing.T) keys {
	var k keys
	for _, p := range []*wgtypes.Key{&k.s0, &k.s1, &k.c} {
		var err error
		if *p, err = wgtypes.GeneratePrivateKey(); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

const openFirewall = "config defaults\n\toption input 'ACCEPT'\n\toption output 'ACCEPT'\n\toption forward 'ACCEPT'\n"

func serverNetwork(k keys) string {
	return fmt.Sprintf(wanHead+`	list ipaddr '10.0.0.2/24'
	list ipaddr '10.0.0.3/24'
	list ipaddr '10.0.0.4/24'
	list ipaddr '10.0.0.5/24'

config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	option listen_port '51820'
	list addresses '10.9.0.1/24'

config wireguard_wg0 'c0'
	option public_key '%s'
	list allowed_ips '10.9.0.2/32'

config interface 'wg1'
	option proto 'wireguard'
	option private_key '%s'
	option listen_port '51821'
	list addresses '10.9.1.1/24'

config wireguard_wg1 'c1'
	option public_key '%s'
	list allowed_ips '10.9.1.2/32'
`, k.s0, k.c.PublicKey(), k.s1, k.c.PublicKey())
}

func clientNetwork(k keys) string {
	return fmt.Sprintf(wanHead+`	option ipaddr '10.0.0.1'
	option netmask '255.255.255.0'

config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	list addresses '10.9.0.2/24'
	list addresses '10.9.1.2/24'

config wireguard_wg0 'srv'
	option description 'srv'
	option public_key '%s'
	option endpoint_host 'srv.test'
	option persistent_keepalive '5'
	list allowed_ips '10.9.0.1/32'

config wireguard_wg0 'other'
	option description 'other'
	option public_key '%s'
	option endpoint_host '10.0.0.3'
	option endpoint_port '51821'
	option persistent_keepalive '5'
	list allowed_ips '10.9.1.1/32'
`, k.c, k.s0.PublicKey(), k.s1.PublicKey())
}

// The supervisor's settings for a test that cannot wait minutes.
const fastSupervise = "config supervise 'supervise'\n\toption interval '1s'\n\toption stale '3s'\n\toption max_backoff '2s'\n\toption down_after '8s'\n"

// configDir is the image's /etc/config with files replaced.
func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(oracleDir(), ".boot-rootfs", "etc", "config")
	ents, err := os.ReadDir(src)
	if err != nil {
		testenv.SkipOrFail(t, "no boot root filesystem in "+oracleDir()+" (install.sh without --no-boot)")
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err == nil {
			os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lab is the two running containers.
type lab struct {
	boot, srv, cl string
	b             func(...string) string
	k             keys
}

// newLab is a server and a client container, named by prefix and this
// process's id, taken down (logread of the client shown on failure) when
// the test ends. Neither is up yet.
func newLab(t *testing.T, srv, cl string) *lab {
	boot := testenv.OracleTool(t, "owrt-boot")
	l := &lab{boot: boot, b: testenv.Runner(t, boot), k: newKeys(t),
		srv: fmt.Sprintf("%s%d", srv, os.Getpid()), cl: fmt.Sprintf("%s%d", cl, os.Getpid())}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(boot, l.cl, "exec", "logread").CombinedOutput()
			t.Logf("client logread:\n%s", out)
		}
		testenv.BootDown(boot, l.cl)
		testenv.BootDown(boot, l.srv)
	})
	return l
}

func TestSuperviseLab(t *testing.T) {
	l := newLab(t, "sups", "supc")
	l.bootUnresolvable(t)
	l.nameMoves(t)
	l.peerDownUp(t)
	l.wanDownUp(t)
	l.checkLog(t)
}

// bootUnresolvable boots both routers with srv.test unknown to the
// client: stock netifd keeps all of wg0 down (other's tunnel too) and
// retries every ~5 s (the handler sleeps 5 s before failing). A
// subscriber and a hotplug script listen, wgowrt is installed and
// started, then the name resolves and netifd's retry brings wg0 up.
func (l *lab) bootUnresolvable(t *testing.T) {
	b, k := l.b, l.k
	b(l.srv, "up", "--config", configDir(t, map[string]string{"network": serverNetwork(k), "firewall": openFirewall}))
	b(l.cl, "up", "--config", configDir(t, map[string]string{"network": clientNetwork(k), "firewall": openFirewall, "wgowrt": fastSupervise}),
		"--link", "eth1="+l.srv+":eth1")
	if st := b(l.cl, "exec", "ubus", "call", "network.interface.wg0", "status"); !strings.Contains(st, `"up": false`) {
		t.Fatalf("wg0 is up although srv.test did not resolve at boot:\n%s", st)
	}
	b(l.cl, "exec", "sh", "-c", `mkdir -p /etc/hotplug.d/wgowrt
		printf '#!/bin/sh\necho "$ACTION $INTERFACE $PEER $TO" >> /tmp/hotplug.log\n' > /etc/hotplug.d/wgowrt/10-test
		(ubus listen wgowrt.peer.up wgowrt.peer.down wgowrt.endpoint.changed > /tmp/events 2>&1 </dev/null &)`)
	testenv.Install(t, l.boot, l.cl, map[string]string{
		"usr/sbin/wgowrt":   bin,
		"etc/init.d/wgowrt": "../../package/files/wgowrt.init",
	})
	b(l.cl, "exec", "sh", "-c", "/etc/init.d/wgowrt enable && /etc/init.d/wgowrt start")
	// The supervisor holds srv's endpoint back and asks netifd again:
	// wg0 comes up with other while srv.test still fails.
	started := time.Now()
	waitFor(t, "other's tunnel up while srv.test fails", 40*time.Second, func() bool { return ping(l.boot, l.cl, "10.9.1.1") })
	t.Logf("wg0 up with peer other %.1f s after the supervisor started", time.Since(started).Seconds())
	b(l.cl, "exec", "sh", "-c", "echo '10.0.0.5 srv.test' >> /etc/hosts")
	waitFor(t, "both tunnels up", 40*time.Second, func() bool {
		return ping(l.boot, l.cl, "10.9.0.1") && ping(l.boot, l.cl, "10.9.1.1")
	})
}

// nameMoves: srv.test moves from .5 (removed from the server) to .4; the
// supervisor pushes the new address; other's session is not touched.
func (l *lab) nameMoves(t *testing.T) {
	b := l.b
	otherBefore := handshake(t, b, l.cl, l.k.s1.PublicKey())
	b(l.srv, "exec", "ip", "addr", "del", "10.0.0.5/24", "dev", "eth1")
	b(l.cl, "exec", "sh", "-c", "sed -i 's/^10.0.0.5 srv.test/10.0.0.4 srv.test/' /etc/hosts")
	moved := time.Now()
	waitFor(t, "traffic to srv after the move", 30*time.Second, func() bool { return ping(l.boot, l.cl, "10.9.0.1") })
	t.Logf("traffic resumed %.1f s after the address moved", time.Since(moved).Seconds())
	if ep := b(l.cl, "exec", "wg", "show", "wg0", "endpoints"); !strings.Contains(ep, "10.0.0.4:51820") {
		t.Errorf("srv's endpoint is not 10.0.0.4:51820:\n%s", ep)
	}
	if after := handshake(t, b, l.cl, l.k.s1.PublicKey()); after != otherBefore {
		t.Errorf("peer other's handshake changed (%s -> %s): its session was touched", otherBefore, after)
	}
}

// peerDownUp: the server's wg0 goes down and up; the subscriber and the
// hotplug script see peer.down, then peer.up. (down_after is 8 s here,
// shorter than WireGuard's 2-minute rekey, so quiet peers flap; on a
// router it is 180 s.)
func (l *lab) peerDownUp(t *testing.T) {
	b := l.b
	b(l.srv, "exec", "ifdown", "wg0")
	var seen int
	waitFor(t, "peer.down", 30*time.Second, func() bool {
		ev := b(l.cl, "exec", "cat", "/tmp/events")
		seen = len(ev)
		return strings.Contains(ev, `"wgowrt.peer.down": {"interface":"wg0","peer":"srv"}`)
	})
	b(l.srv, "exec", "ifup", "wg0")
	waitFor(t, "peer.up", 40*time.Second, func() bool {
		ping(l.boot, l.cl, "10.9.0.1") // data, so that WireGuard starts a handshake with the new device
		return strings.Contains(b(l.cl, "exec", "cat", "/tmp/events")[seen:], `"wgowrt.peer.up": {"interface":"wg0","peer":"srv"}`)
	})
	hp := b(l.cl, "exec", "cat", "/tmp/hotplug.log")
	for _, want := range []string{"endpoint.changed wg0 srv 10.0.0.4:51820", "peer.down wg0 srv", "peer.up wg0 srv"} {
		if !strings.Contains(hp, want) {
			t.Errorf("hotplug.d/wgowrt did not see %q:\n%s", want, hp)
		}
	}
}

// wanDownUp: the client's wan goes down and up; both tunnels carry
// traffic again.
func (l *lab) wanDownUp(t *testing.T) {
	l.b(l.cl, "exec", "ifdown", "wan")
	l.b(l.cl, "exec", "ifup", "wan")
	wanUp := time.Now()
	waitFor(t, "traffic after wan down/up", 30*time.Second, func() bool {
		return ping(l.boot, l.cl, "10.9.0.1") && ping(l.boot, l.cl, "10.9.1.1")
	})
	t.Logf("tunnels carried traffic %.1f s after wan came back", time.Since(wanUp).Seconds())
}

// checkLog: one line per event in logread, no key; RSS reported.
func (l *lab) checkLog(t *testing.T) {
	k := l.k
	log := l.b(l.cl, "exec", "sh", "-c", "logread -e wgowrt")
	for _, want := range []string{"cannot resolve srv.test:51820", "wg0/srv: srv.test:51820 does not resolve; endpoint held back so that wg0 can come up", "endpoint.changed wg0/srv srv.test:51820: 10.0.0.5:51820 -> 10.0.0.4:51820", "wan event on wan"} {
		if !strings.Contains(log, want) {
			t.Errorf("logread lacks %q:\n%s", want, log)
		}
	}
	for _, key := range []wgtypes.Key{k.c, k.s0, k.s1, k.s0.PublicKey(), k.s1.PublicKey(), k.c.PublicKey()} {
		if strings.Contains(log, key.String()) {
			t.Error("a key is in the log")
		}
	}
	rss := l.b(l.cl, "exec", "sh", "-c", "grep VmRSS /proc/$(pgrep -f 'wgowrt supervise' | head -n1)/status")
	t.Logf("supervisor on x86_64 (unstripped test build): %s", strings.TrimSpace(rss))
}

func handshake(t *testing.T, b func(...string) string, name string, pub wgtypes.Key) string {
	for _, l := range strings.Split(b(name, "exec", "wg", "show", "wg0", "latest-handshakes"), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == pub.String() {
			return f[1]
		}
	}
	t.Fatalf("no handshake line for a peer of %s", name)
	return ""
}

func ping(boot, name, addr string) bool {
	return exec.Command(boot, name, "exec", "ping", "-c1", "-W1", addr).Run() == nil
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not within %s", what, d)
}
