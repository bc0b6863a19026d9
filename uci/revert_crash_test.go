package uci

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestRevertKilledKeepsStagedChanges kills `uci revert network.lan.ipaddr`
// at every step of rewriting the delta file: afterwards the delta holds
// either every staged change or all but the reverted one, never less.
func TestRevertKilledKeepsStagedChanges(t *testing.T) {
	if dir := os.Getenv("WGOWRT_REVERT_DIR"); dir != "" {
		revertChild(dir, os.Getenv("WGOWRT_REVERT_KILL_AT"))
		return
	}
	const staged = "network.lan.ipaddr='10.0.0.1'\nnetwork.lan.proto='dhcp'\n+network.wan=interface\n"
	const reverted = "network.lan.proto='dhcp'\n+network.wan='interface'\n"
	kills := 0
	for n := 1; ; n++ {
		c := newCtx(t)
		os.WriteFile(c.Path("network"), []byte(netConf), 0600)
		os.MkdirAll(c.SaveDir, 0700)
		os.WriteFile(c.DeltaPath("network"), []byte(staged), 0600)
		cmd := exec.Command(os.Args[0], "-test.run=^TestRevertKilledKeepsStagedChanges$")
		cmd.Env = append(os.Environ(), "WGOWRT_REVERT_DIR="+filepath.Dir(c.ConfDir), "WGOWRT_REVERT_KILL_AT="+strconv.Itoa(n))
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled()
		if err != nil && !killed {
			t.Fatalf("step %d: child failed: %v\n%s", n, err, out)
		}
		got := readString(t, c.DeltaPath("network"))
		if got != staged && got != reverted {
			t.Errorf("killed at step %d: delta is %q, want the staged changes (%q) or the reverted ones", n, got, staged)
		}
		if !killed {
			if got != reverted {
				t.Errorf("finished revert left %q", got)
			}
			break
		}
		kills++
		if st, err := os.Stat(c.DeltaPath("network")); err == nil && st.Mode().Perm() != 0600 {
			t.Errorf("step %d: delta mode %v", n, st.Mode().Perm())
		}
	}
	if kills == 0 {
		t.Fatal("the revert was never killed: the fault hook is not reached")
	}
	t.Logf("killed at %d steps", kills)
}

func revertChild(dir, at string) {
	n, _ := strconv.Atoi(at)
	c := &Context{ConfDir: filepath.Join(dir, "config"), SaveDir: filepath.Join(dir, "save")}
	count := 0
	SetFaultHook(func(op, path string) {
		if count++; count == n {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	})
	p, err := c.Load("network")
	if err == nil {
		_, err = c.Revert(p, Ptr{Package: "network", Section: "lan", Option: "ipaddr"})
	}
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(0)
}
