package lab

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Two wg-quick peers over one veth:
//
//	┌────────────────────┐            ┌────────────────────┐
//	│ ns a               │            │ ns b               │
//	│ wga 10.9.0.1/24    │            │ wgb 10.9.0.2/24    │
//	│ veth 192.0.2.1/24 ├────────────┤ veth 192.0.2.2/24  │
//	└────────────────────┘            └────────────────────┘
func TestWGQuickPeersCarryTraffic(t *testing.T) {
	l := New(t)
	a, b := l.NS("a"), l.NS("b")
	l.Link(a, "veth", b, "veth")
	a.MustRun("ip", "addr", "add", "192.0.2.1/24", "dev", "veth")
	b.MustRun("ip", "addr", "add", "192.0.2.2/24", "dev", "veth")
	ka, kb := mustKey(t), mustKey(t)
	if _, err := a.WGQuick("wga", "[Interface]\nPrivateKey = "+ka.String()+"\nAddress = 10.9.0.1/24\n"+
		"[Peer]\nPublicKey = "+kb.PublicKey().String()+"\nAllowedIPs = 10.9.0.2/32\nEndpoint = 192.0.2.2:51820\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WGQuick("wgb", "[Interface]\nPrivateKey = "+kb.String()+"\nListenPort = 51820\nAddress = 10.9.0.2/24\n"+
		"[Peer]\nPublicKey = "+ka.PublicKey().String()+"\nAllowedIPs = 10.9.0.1/32\n"); err != nil {
		t.Fatal(err)
	}
	b.ServeTCPEcho("10.9.0.2:7")
	if r := a.TCP("10.9.0.2:7", ""); r.Outcome != Reached || r.SeenIP() != "10.9.0.1" {
		t.Fatalf("a -> b through the tunnel: %v, want reached from 10.9.0.1", r)
	}
	if r := a.TCP("10.9.0.2:8", ""); r.Outcome != Refused {
		t.Errorf("closed port: %v, want refused", r)
	}
	if r := a.Ping("10.9.0.2"); r.Outcome != Reached {
		t.Errorf("ping: %v", r)
	}
	if out := a.MustRun("ip", "link", "show", "wga"); !strings.Contains(out, "wga:") {
		t.Errorf("link not renamed: %s", out)
	}
}

func TestCleanupRemovesNamespacesAndSockets(t *testing.T) {
	var nsPath, sock string
	t.Run("inner", func(t *testing.T) {
		l := New(t)
		n := l.NS("x")
		dev, err := n.StartWireGuard("wgx")
		if err != nil {
			t.Fatal(err)
		}
		nsPath, sock = "/run/netns/"+n.Path, socketPath(dev.UAPI)
	})
	for _, p := range []string{nsPath, sock} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s still exists after cleanup (err=%v)", p, err)
		}
	}
}

func mustKey(t *testing.T) wgtypes.Key {
	k, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestReapHolder: a holder left behind (its command line and state
// directory match) is killed; a holder of another namespace, or another
// program with the same state directory, is not. No oracle needed.
func TestReapHolder(t *testing.T) {
	root := t.TempDir()
	t.Setenv("OWRT_STATE", root)
	start := func(state string, args ...string) *exec.Cmd {
		t.Helper()
		c := exec.Command(args[0], args[1:]...)
		c.Env = append(os.Environ(), "S="+state)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	mine := start(filepath.Join(root, "lbx-router"), "sleep", "infinity")
	other := start(filepath.Join(root, "lby-router"), "sleep", "infinity")
	same := start(filepath.Join(root, "lbx-router"), "sleep", "1000")
	if err := os.MkdirAll(filepath.Join(root, "lbx-router"), 0o755); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(mine.Process.Pid)
	if err := os.WriteFile(filepath.Join(root, "lbx-router", "holder.pid"), []byte(pid+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := holderPID("lbx-router"); got != pid {
		t.Fatalf("holderPID = %q, want %s", got, pid)
	}
	for _, c := range []*exec.Cmd{mine, other, same} {
		reapHolder(strconv.Itoa(c.Process.Pid), "lbx-router")
	}
	done := make(chan error, 1)
	go func() { done <- mine.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("the left-behind holder exited by itself, not killed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the left-behind holder is still running")
	}
	for _, c := range []*exec.Cmd{other, same} {
		if err := c.Process.Signal(syscall.Signal(0)); err != nil {
			t.Errorf("%v (S of another namespace, or not a holder) was killed", c.Args)
		}
	}
}
