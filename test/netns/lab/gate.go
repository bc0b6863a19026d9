package lab

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RunCommand is how to run the lab; it is printed whenever the lab skips.
const RunCommand = "sudo WGOWRT_REQUIRE_PRIVILEGED=1 go test ./test/netns/... -count=1 " +
	"(needs: apt-get install -y iproute2 nftables iputils-ping wireguard-tools, and the OpenWrt oracle: " +
	"../shared/oracle/install.sh, OWRT_NS=../shared/oracle/bin/owrt-ns)"

// requireEnv is set by CI: there a missing prerequisite fails instead of skipping.
const requireEnv = "WGOWRT_REQUIRE_PRIVILEGED"

// tools are the executables the lab shells out to.
var tools = []string{"ip", "nft", "ping", "sysctl", "go"}

// Require skips (or, under WGOWRT_REQUIRE_PRIVILEGED=1, fails) the test when
// the lab cannot run here: not root, tools missing or no TUN device.
func Require(t testing.TB) {
	t.Helper()
	missing := missingPrerequisites()
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("netns lab unavailable (%s); run: %s", strings.Join(missing, "; "), RunCommand)
	if os.Getenv(requireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

func missingPrerequisites() []string {
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "not root")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, "no "+tool+" in PATH")
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		missing = append(missing, "no /dev/net/tun")
	}
	return missing
}
