// Package lifecycle proves in the oracle's real OpenWrt (netifd with the
// 24.10 WireGuard handler, fw4, ubus) that what wgowrt removes stops and
// what it adopts keeps running. Cost: a few seconds per test, one or two
// namespaces each; skipped without the oracle (owrt-ns preflight). The
// tests build wgowrt themselves, so go test's cache does not see a change
// to it: run them with -count=1.
package lifecycle

import (
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// binary builds a static wgowrt for the namespaces.
func binary(t *testing.T) string {
	t.Helper()
	bin, err := testenv.BuildWgowrt(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// router is one oracle namespace.
type router struct {
	t          *testing.T
	tool, name string
}

func (r *router) ns(args ...string) string {
	r.t.Helper()
	out, err := exec.Command(r.tool, args...).CombinedOutput()
	if err != nil {
		r.t.Fatalf("owrt-ns %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// try runs a command inside and reports whether it succeeded.
func (r *router) try(args ...string) (string, bool) {
	out, err := exec.Command(r.tool, append([]string{"exec", r.name}, args...)...).CombinedOutput()
	return string(out), err == nil
}

func (r *router) exec(args ...string) string {
	return r.ns(append([]string{"exec", r.name}, args...)...)
}

// boot brings up a router with network and firewall (the rest are the
// image's defaults), rpcd, fw4 and netifd, and wgowrt in /usr/sbin.
func boot(t *testing.T, tool, tag, network, firewall, bin string) *router {
	t.Helper()
	r := bootOnly(t, tool, tag, network, firewall, bin)
	// rpcd carries the harness's `service event` (wgowrt's fw4 reload).
	r.ns("start", r.name, "rpcd", "firewall", "netifd")
	r.ns("wait", r.name, "lan", "wan")
	return r
}

// bootOnly brings a router's namespace up with wgowrt in it, no services.
func bootOnly(t *testing.T, tool, tag, network, firewall, bin string) *router {
	t.Helper()
	cfg := t.TempDir()
	os.WriteFile(filepath.Join(cfg, "network"), []byte(network), 0600)
	os.WriteFile(filepath.Join(cfg, "firewall"), []byte(firewall), 0600)
	r := &router{t: t, tool: tool, name: fmt.Sprintf("life%d%s", os.Getpid(), tag)}
	r.ns("up", r.name, "--config", cfg, "--wireguard-handler", "24.10")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(tool, "logs", r.name).CombinedOutput()
			t.Logf("%s logs:\n%s", r.name, out)
			out, _ = exec.Command(tool, "exec", r.name, "sh", "-c", "wg show all; ip -br addr; ip route show table all | grep -v '^local\\|^multicast\\|^broadcast\\|fe80::'").CombinedOutput()
			t.Logf("state of %s:\n%s", r.name, out)
		}
		testenv.NSDown(tool, r.name)
	})
	r.ns("cp", r.name, bin, "/usr/sbin/")
	return r
}

// eventually polls cond for up to 25 s. A WireGuard sender whose session
// the far side does not hold (both ends initiated at once: seen when two
// hand-made site links come up together) tries a new handshake only after
// Keepalive-Timeout + Rekey-Timeout (10 s + 5 s) without an answer, so
// traffic can take 15 s and a little more to pass (it passed after 16.4 s,
// 2 runs of 12 with both CPUs busy; before, the wait ended at 15 s).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for end := time.Now().Add(25 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if cond() {
			t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
			return
		}
	}
	t.Fatalf("timed out waiting until %s", what)
}

// exampleFiles are examples/router's network (wan made static: the oracle
// has no DHCP client) and firewall.
func exampleFiles(t *testing.T, wanIP string) (string, string) {
	t.Helper()
	n, err := os.ReadFile("../../examples/router/etc/config/network")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.ReadFile("../../examples/router/etc/config/firewall")
	if err != nil {
		t.Fatal(err)
	}
	const dhcp = "config interface 'wan'\n\toption device 'wan'\n\toption proto 'dhcp'\n"
	if !strings.Contains(string(n), dhcp) {
		t.Fatal("examples/router: no DHCP wan to replace")
	}
	static := "config interface 'wan'\n\toption device 'wan'\n\toption proto 'static'\n\toption ipaddr '" + wanIP +
		"'\n\toption netmask '255.255.255.0'\n"
	return strings.Replace(string(n), dhcp, static, 1), string(f)
}

// TestServerRemoveStopsTheRunningInterface: a running server with a peer
// is removed; netifd's reload takes wg0 down and deletes the link, fw4
// drops its zone and port rule, the rest of the router stays up.
func TestServerRemoveStopsTheRunningInterface(t *testing.T) {
	tool := testenv.OracleTool(t, "owrt-ns")
	network, firewall := exampleFiles(t, "203.0.113.2")
	r := boot(t, tool, "rm", network, firewall, binary(t))
	r.exec("wgowrt", "server", "init", "--endpoint", "vpn.example.com")
	r.ns("wait", r.name, "wg0")
	r.exec("wgowrt", "peer", "add", "phone")
	if out := r.exec("wg", "show", "wg0", "peers"); strings.TrimSpace(out) == "" {
		t.Fatalf("wg0 runs without its peer")
	}
	eventually(t, "the loaded ruleset has wg0's port rule", func() bool {
		out, _ := r.try("nft", "list", "ruleset")
		return strings.Contains(out, "51820") && strings.Contains(out, "wg0")
	})
	out := r.exec("wgowrt", "server", "remove")
	if !strings.Contains(out, "network reloaded") || !strings.Contains(out, "firewall reloaded") {
		t.Errorf("server remove did not reload netifd and fw4:\n%s", out)
	}
	eventually(t, "the wg0 link is gone", func() bool {
		_, ok := r.try("ip", "link", "show", "wg0")
		return !ok
	})
	if _, ok := r.try("ubus", "call", "network.interface.wg0", "status"); ok {
		t.Error("netifd still has an interface wg0")
	}
	eventually(t, "the loaded ruleset has nothing of wg0 (zone, port rule)", func() bool {
		out, _ := r.try("nft", "list", "ruleset")
		return !strings.Contains(out, "51820") && !strings.Contains(out, "wg0")
	})
	r.ns("wait", r.name, "lan", "wan")
	if cfg := r.exec("uci", "show", "network"); strings.Contains(cfg, "wg0") {
		t.Errorf("network still names wg0:\n%s", cfg)
	}
}
