// Package confirm proves wgowrt's confirmed apply and doctor with real
// packets on the real OpenWrt programs of ../shared/oracle: an admin's TCP
// session to the router's wan address, a change that cuts it, no confirm
// -> the old configuration is back and the port answers again; with
// confirm the change stays; a router rebooted with a change pending comes
// up with the old configuration, restored before netifd starts; doctor
// names each broken topology's cause (and its fix clears it) and reports
// nothing on healthy ones.
//
//	admin netns (owrt-ns)         router netns (owrt-ns: netifd, fw4, rpcd)
//	 eth0 192.0.2.9/24 ---------- eth1 = wan 192.0.2.2/24, tcp/22 allowed
//	                              a listener on :22 (the "ssh" the admin uses)
//
// Cost, measured on 2 cores: 28 s for the rollback proof (two 5 s
// windows), 38 s for the boot proof (one container booted twice), 50 s for
// the doctor table, 34 s for the site link with its MTU black hole: about
// 2.5 min. Skipped without root or the oracle, unless
// WGOWRT_REQUIRE_PRIVILEGED=1.
package confirm

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var bin string

// helperEnv switches the test binary into a small network tool, run
// inside a namespace with nsenter: "listen ADDR" or "dial ADDR".
const helperEnv = "WGOWRT_CONFIRM_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(helper(h))
	}
	dir, err := os.MkdirTemp("", "wgowrt-confirm-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "wgowrt")
	build := exec.Command("go", "build", "-o", bin, "github.com/wgowrt/wgowrt/cmd/wgowrt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building wgowrt: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// helper is the test binary run as "listen ADDR" (accept and greet until
// killed) or "dial ADDR" (exit 0 when the greeting comes within 1 s).
func helper(h string) int {
	verb, addr, _ := strings.Cut(h, " ")
	switch verb {
	case "listen":
		l, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for {
			c, err := l.Accept()
			if err != nil {
				return 1
			}
			io.WriteString(c, "ssh\n")
			c.Close()
		}
	case "dial":
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return 1
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		b := make([]byte, 4)
		if _, err := io.ReadFull(c, b); err != nil || string(b) != "ssh\n" {
			return 1
		}
		return 0
	}
	return 2
}

// tool finds one of the oracle's tools (owrt-ns, owrt-boot): $OWRT_NS's
// directory, or ../shared/oracle/bin beside the repository; it skips (or
// fails in CI) when the oracle cannot run here.
func tool(t *testing.T, name string) string {
	t.Helper()
	dir := "../../../shared/oracle/bin"
	if p := os.Getenv("OWRT_NS"); p != "" {
		dir = filepath.Dir(p)
	}
	p, _ := filepath.Abs(filepath.Join(dir, name))
	why := ""
	if _, err := os.Stat(p); err != nil {
		why = "no " + name + " at " + p
	} else if out, err := exec.Command(filepath.Join(filepath.Dir(p), "owrt-ns"), "preflight").CombinedOutput(); err != nil {
		why = "owrt-ns preflight: " + strings.TrimSpace(string(out))
	}
	if why != "" {
		if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") == "1" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	return p
}

// runner runs a tool and fails the test on error.
func runner(t *testing.T, path string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, err := exec.Command(path, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}
