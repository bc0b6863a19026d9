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
	"github.com/wgowrt/wgowrt/internal/testenv"
	"io"
	"net"
	"os"
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
	os.Exit(testenv.RunWithWgowrt(m, &bin))
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
