// Package lab builds throw-away networks out of Linux network namespaces for
// the wgowrt topology tests: hosts are namespaces, wires are veth pairs,
// WireGuard is wireguard-go on a TUN inside a namespace, and routers are
// OpenWrt's real programs started by the oracle's owrt-ns (Router).
//
// Everything a Lab creates carries a per-run random tag and is removed by
// t.Cleanup, also when the test fails: processes are killed first (a live
// process would keep its namespace alive), then UAPI sockets are unlinked and
// namespaces deleted, which destroys the veths inside them.
package lab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// Lab owns the namespaces and processes of one test.
type Lab struct {
	t   testing.TB
	tag string

	mu       sync.Mutex
	cleanups []func() // run in reverse order
	seq      int
}

// New checks the prerequisites (see Require) and returns an empty lab whose
// contents are destroyed when the test ends.
func New(t testing.TB) *Lab {
	t.Helper()
	Require(t)
	sweepStaleSockets()
	l := &Lab{t: t, tag: randomTag()}
	t.Cleanup(l.destroy)
	return l
}

// Tag is the random per-lab string used in every global name.
func (l *Lab) Tag() string { return l.tag }

// T is the test the lab belongs to.
func (l *Lab) T() testing.TB { return l.t }

func randomTag() string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (l *Lab) onCleanup(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cleanups = append(l.cleanups, f)
}

func (l *Lab) destroy() {
	l.mu.Lock()
	fs := l.cleanups
	l.cleanups = nil
	l.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// NS creates a namespace for the host called name (the real namespace name is
// "lb<pid><tag>-<name>", see nsName), with loopback up.
func (l *Lab) NS(name string) *NS {
	l.t.Helper()
	ns := &NS{Name: name, Path: l.nsName(name), lab: l}
	if out, err := exec.Command("ip", "netns", "add", ns.Path).CombinedOutput(); err != nil {
		l.t.Fatalf("ip netns add %s: %v: %s", ns.Path, err, out)
	}
	l.onCleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", ns.Path).CombinedOutput(); err != nil {
			l.t.Errorf("cleanup: ip netns del %s: %v: %s", ns.Path, err, out)
		}
	})
	// On failure, its addresses and routes while they still exist
	// (registered after the lab's teardown, so it runs before it).
	l.t.Cleanup(func() {
		if l.t.Failed() {
			out, _ := ns.Run("sh", "-c", "ip -br addr; ip route show table all | grep -v '^local\\|^multicast\\|^broadcast\\|fe80::'")
			l.t.Logf("state of %s:\n%s", ns.Name, out)
		}
	})
	ns.MustRun("ip", "link", "set", "lo", "up")
	return ns
}

// Link wires a and b with a veth pair named aDev inside a and bDev inside b;
// both ends are up. Each name only has to be unique inside its namespace.
func (l *Lab) Link(a *NS, aDev string, b *NS, bDev string) {
	l.t.Helper()
	a.MustRun("ip", "link", "add", aDev, "type", "veth", "peer", "name", bDev, "netns", b.Path)
	a.MustRun("ip", "link", "set", aDev, "up")
	b.MustRun("ip", "link", "set", bDev, "up")
}

// Logf logs through the owning test.
func (l *Lab) Logf(format string, args ...any) { l.t.Helper(); l.t.Logf(format, args...) }

// removeFile unlinks path, ignoring "does not exist".
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// cmdline renders args for error messages.
func cmdline(args []string) string { return strings.Join(args, " ") }

// errorf is fmt.Errorf; kept short for the many call sites.
var errorf = fmt.Errorf
