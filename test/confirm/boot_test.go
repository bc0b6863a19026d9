package confirm

import (
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRebootWithPendingChangeRestoresOldConfig: an OpenWrt container
// (procd as PID 1, base-files' boot order) with wgowrt and its boot script
// installed as the package installs them; a change (server init: network
// and firewall) made with a long window is still pending when the router
// goes down; when it comes up again on the same state the old files are
// back, the record is gone, and netifd never had the new interface: the
// script ran before the network started (it reloads nothing at boot).
func TestRebootWithPendingChangeRestoresOldConfig(t *testing.T) {
	boot := testenv.OracleTool(t, "owrt-boot")
	if _, err := os.Stat(filepath.Join(oracleDir(), ".boot-rootfs")); err != nil {
		testenv.SkipOrFail(t, "no boot root filesystem in "+oracleDir()+" (install.sh without --no-boot)")
	}
	b := testenv.Runner(t, boot)
	name := fmt.Sprintf("cfb%d", os.Getpid())
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(boot, name, "exec", "logread").CombinedOutput()
			t.Logf("logread:\n%s", out)
		}
		testenv.BootDown(boot, name)
	})
	b(name, "up")
	testenv.Install(t, boot, name, map[string]string{
		"usr/sbin/wgowrt":            bin,
		"etc/init.d/wgowrt-rollback": "../../package/files/wgowrt-rollback.init",
	})
	b(name, "exec", "/etc/init.d/wgowrt-rollback", "enable")
	before := b(name, "exec", "sh", "-c", "cat /etc/config/network /etc/config/firewall | sha256sum")

	out := b(name, "exec", "sh", "-c", "wgowrt server init --endpoint 192.0.2.1 --confirm=600 2>&1")
	if !strings.Contains(out, "rolls back by itself") {
		t.Fatalf("server init did not wait for confirmation:\n%s", out)
	}
	if b(name, "exec", "sh", "-c", "cat /etc/config/network /etc/config/firewall | sha256sum") == before {
		t.Fatal("the change was not committed")
	}
	// Down (the timer dies with the system), then up on the same state.
	if out, err := testenv.BootStop(boot, name); err != nil {
		t.Fatalf("owrt-boot %s down: %v\n%s", name, err, out)
	}
	b(name, "up", "--keep")

	if got := b(name, "exec", "sh", "-c", "cat /etc/config/network /etc/config/firewall | sha256sum"); got != before {
		t.Error("network and firewall after the reboot differ from before the change")
	}
	if out := b(name, "exec", "sh", "-c", "ls -d /etc/wgowrt/pending 2>&1 || true"); !strings.Contains(out, "No such file") {
		t.Errorf("pending record left after boot: %s", out)
	}
	if dump := b(name, "exec", "ubus", "call", "network.interface", "dump"); strings.Contains(dump, `"interface": "wg0"`) {
		t.Error("netifd knows wg0: the rollback ran after the network started")
	}
	if log := b(name, "exec", "sh", "-c", "logread -e wgowrt || true"); !strings.Contains(log, "rolled back server init") {
		t.Errorf("no rollback in the log:\n%s", log)
	}
	rc := b(name, "exec", "sh", "-c", "ls /etc/rc.d | grep -E 'wgowrt-rollback|firewall|network'")
	if i, j := strings.Index(rc, "wgowrt-rollback"), strings.Index(rc, "S19firewall"); i < 0 || j < 0 || i > j {
		t.Errorf("the boot script does not run before firewall and network:\n%s", rc)
	}
}

func oracleDir() string {
	if d := os.Getenv("OWRT_ORACLE"); d != "" {
		return d
	}
	return "/opt/owrt-oracle"
}
