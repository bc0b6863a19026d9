package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/uci"
)

// The tests here run this test binary as a child that writes (the
// WGOWRT_STORE_CHILD environment names the root) and kill it, with
// WGOWRT_TEST_CRASH_AT or from a hook.

func TestMain(m *testing.M) {
	if root := os.Getenv("WGOWRT_STORE_CHILD"); root != "" {
		os.Exit(child(root, os.Getenv("WGOWRT_STORE_CHILD_MODE")))
	}
	os.Exit(m.Run())
}

// child loads network and wgowrt, edits both as `server init` would and
// writes them; mode "pending" commits /tmp/.uci too, "kill-after-network"
// dies after network is renamed, "term-after-network" sends itself
// SIGTERM there and goes on.
func child(root, mode string) int {
	s := New(root)
	n, err := s.Load("network", false)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	w, err := s.Load("wgowrt", true)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	if len(w.Sections) > 0 {
		return 0 // already done: what the command's rerun sees
	}
	editAll(n, w)
	switch mode {
	case "kill-after-network":
		failAfterCommit = func(pkg string) error {
			if pkg == "network" {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
			return nil
		}
	case "term-after-network":
		failAfterCommit = func(pkg string) error {
			if pkg == "network" {
				syscall.Kill(os.Getpid(), syscall.SIGTERM)
			}
			return nil
		}
	}
	if mode == "held-kill" {
		if _, err := s.WriteHeld([]*uci.Package{n, w}, false); err != nil {
			os.Stderr.WriteString(err.Error())
			return 1
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL) // before delivering
	}
	if err := s.Write([]*uci.Package{n, w}, mode == "pending"); err != nil {
		os.Stderr.WriteString(err.Error())
		return 1
	}
	return 0
}

// editAll is the child's plan: lan, a new wg0 with a key, its record.
func editAll(n, w *uci.Package) {
	n.SetOption("lan", "ipaddr", "192.168.1.1")
	n.NewSection("interface", "wg0")
	n.SetOption("wg0", "private_key", "secret")
	w.NewSection("server", "wg0")
}

// runChild runs the child on root; it reports whether the child was killed
// (and by which signal).
func runChild(t *testing.T, root, tmp, mode string, crashAt int) (syscall.Signal, bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "WGOWRT_STORE_CHILD="+root, "WGOWRT_STORE_CHILD_MODE="+mode, "TMPDIR="+tmp)
	if crashAt > 0 {
		cmd.Env = append(cmd.Env, CrashEnv+"="+strconv.Itoa(crashAt))
	}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			return ws.Signal(), true
		}
	}
	if err != nil {
		t.Fatalf("child (crash at %d): %v\n%s", crashAt, err, out)
	}
	return 0, false
}

// crashRoot is a router tree for the child, and an empty TMPDIR.
func crashRoot(t *testing.T, pending string) (root, tmp string) {
	s := tree(t, pending)
	tmp = t.TempDir()
	return filepath.Dir(filepath.Dir(s.ConfDir)), tmp
}

const wantNetwork = "\nconfig interface 'lan'\n\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n\nconfig interface 'wg0'\n\toption private_key 'secret'\n\n"

// assertWritten loads through a fresh store (which recovers) and checks
// that the child's whole write is there, with no journal or temporary
// file left. proto is lan's proto when pending changes were committed.
func assertWritten(t *testing.T, s *Store, proto string) {
	t.Helper()
	if err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	want := wantNetwork
	if proto != "" {
		want = strings.Replace(want, "'static'", "'"+proto+"'", 1)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network")); string(b) != want {
		t.Errorf("network:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "wgowrt")); string(b) != "\nconfig server 'wg0'\n\n" {
		t.Errorf("wgowrt: %q", b)
	}
	for _, f := range []string{"network", "wgowrt"} {
		if st, err := os.Stat(filepath.Join(s.ConfDir, f)); err != nil || st.Mode().Perm() != 0600 {
			t.Errorf("%s: %v %v", f, st.Mode(), err)
		}
	}
	assertClean(t, s.ConfDir, "network", "wgowrt")
}

// assertClean fails on any file in dir but want.
func assertClean(t *testing.T, dir string, want ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, want)
	}
}

// TestWriteKilledAfterFirstFileConverges is the bug as found: a process
// killed between the renames of network and wgowrt left wg0 in network
// and no wgowrt record, and its temporary files behind.
func TestWriteKilledAfterFirstFileConverges(t *testing.T) {
	root, tmp := crashRoot(t, "")
	before, _ := os.ReadFile(filepath.Join(root, "etc/config/network"))
	if _, killed := runChild(t, root, tmp, "kill-after-network", 0); !killed {
		t.Fatal("the child was not killed")
	}
	// The next run first undoes the half-done write...
	s := New(root)
	if _, err := s.Load("network", false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/config/network")); string(b) != string(before) {
		t.Errorf("network after recovery:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/config/wgowrt")); len(b) != 0 {
		t.Errorf("wgowrt after recovery: %q", b)
	}
	// ...and then does it whole.
	runChild(t, root, tmp, "", 0)
	assertWritten(t, New(root), "")
	assertClean(t, tmp)
}

// TestWriteKilledAtEveryStepConverges kills the writer before each of its
// file steps; a rerun (which recovers first) must give what an
// uninterrupted run gives, and nothing may be left behind.
func TestWriteKilledAtEveryStepConverges(t *testing.T) {
	for _, mode := range []string{"", "pending"} {
		pending := ""
		if mode == "pending" {
			pending = "network.lan.proto='dhcp'\n"
		}
		n := 1
		for ; ; n++ {
			root, tmp := crashRoot(t, pending)
			if _, killed := runChild(t, root, tmp, mode, n); !killed {
				break
			}
			runChild(t, root, tmp, mode, 0)
			s := New(root)
			assertWritten(t, s, strings.TrimSuffix(strings.TrimPrefix(pending, "network.lan.proto='"), "'\n"))
			assertClean(t, tmp)
			if mode == "pending" {
				if b, _ := os.ReadFile(filepath.Join(s.SaveDir, "network")); len(b) != 0 {
					t.Errorf("%s killed at %d: delta after rerun %q", mode, n, b)
				}
			}
		}
		if n < 8 {
			t.Errorf("%s: only %d steps were killed", mode, n-1)
		}
		t.Logf("%q: killed at each of %d steps", mode, n-1)
	}
}

// TestRecoveryKilledAtEveryStepConverges kills the writer at step n (every
// fourth one, to save time) and then the rerun at each step m (its recovery
// included) before a last run.
func TestRecoveryKilledAtEveryStepConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the writer some 100 times; skipped with -short")
	}
	pairs := 0
	for n := 1; ; n += 4 {
		root, tmp := crashRoot(t, "")
		if _, killed := runChild(t, root, tmp, "", n); !killed {
			break
		}
		for m := 1; ; m++ {
			r2, tmp2 := crashRoot(t, "")
			os.RemoveAll(r2)
			copyTree(t, root, r2)
			_, killed := runChild(t, r2, tmp2, "", m)
			if killed {
				pairs++
				runChild(t, r2, tmp2, "", 0)
			}
			assertWritten(t, New(r2), "")
			if !killed {
				break
			}
		}
	}
	t.Logf("%d kill pairs", pairs)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// TestWriteHeldIsUndoneWhenKilledBeforeDone: with WriteHeld the files are
// in place, but a kill before done (the command's output not yet
// delivered) makes the next run roll the write back.
func TestWriteHeldIsUndoneWhenKilledBeforeDone(t *testing.T) {
	root, tmp := crashRoot(t, "")
	before, _ := os.ReadFile(filepath.Join(root, "etc/config/network"))
	if _, killed := runChild(t, root, tmp, "held-kill", 0); !killed {
		t.Fatal("the child was not killed")
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/config/network")); !strings.Contains(string(b), "'wg0'") {
		t.Fatalf("WriteHeld did not put the files in place:\n%s", b)
	}
	s := New(root)
	if err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/config/network")); string(b) != string(before) {
		t.Errorf("network after recovery:\n%s", b)
	}
	assertClean(t, s.ConfDir, "network", "wgowrt")
}

// TestRecoverRollsForwardWhenChangedSince: killed after network was
// renamed, and network changed since by someone else (a uci commit), the
// write cannot be undone; it is finished instead, their change kept.
func TestRecoverRollsForwardWhenChangedSince(t *testing.T) {
	root, tmp := crashRoot(t, "")
	if _, killed := runChild(t, root, tmp, "kill-after-network", 0); !killed {
		t.Fatal("the child was not killed")
	}
	c := &uci.Context{ConfDir: filepath.Join(root, "etc/config"), SaveDir: filepath.Join(root, "other")}
	p, _ := c.LoadFile("network")
	p.SetOption("lan", "mtu", "1400")
	if _, err := c.Commit(p); err != nil {
		t.Fatal(err)
	}
	s := New(root)
	if err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "network")); !strings.Contains(string(b), "'wg0'") || !strings.Contains(string(b), "1400") {
		t.Errorf("network:\n%s", b)
	}
	if b, _ := os.ReadFile(filepath.Join(s.ConfDir, "wgowrt")); string(b) != "\nconfig server 'wg0'\n\n" {
		t.Errorf("wgowrt: %q", b)
	}
	assertClean(t, s.ConfDir, "network", "wgowrt")
}

// TestSignalsWaitForTheCommit: a SIGTERM arriving between two renames
// stops the process only once the write has landed.
func TestSignalsWaitForTheCommit(t *testing.T) {
	root, tmp := crashRoot(t, "")
	sig, killed := runChild(t, root, tmp, "term-after-network", 0)
	if !killed || sig != syscall.SIGTERM {
		t.Fatalf("child not stopped by SIGTERM (%v %v)", sig, killed)
	}
	s := New(root)
	s.recovered = true // look before any recovery
	if _, err := os.Stat(s.journalPath()); !os.IsNotExist(err) {
		t.Errorf("journal left: the write did not finish before the signal (%v)", err)
	}
	assertWritten(t, s, "")
}

// TestRecoverRemovesOnlyOurStrayFiles: temporary files of ours (exact
// patterns) go, everything else stays.
func TestRecoverRemovesOnlyOurStrayFiles(t *testing.T) {
	s := tree(t, "network.lan.proto='dhcp'\n")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	stray := []string{
		filepath.Join(s.ConfDir, ".network.uci-123456"),
		filepath.Join(s.ConfDir, ".network.wgowrt-99"),
		filepath.Join(s.ConfDir, ".firewall.wgowrt-7"),
		filepath.Join(s.ConfDir, ".wgowrt-journal-42"),
		filepath.Join(s.SaveDir, ".network.uci-77"),
		filepath.Join(tmp, "wgowrt-uci-1234", "network"),
	}
	keep := []string{
		filepath.Join(s.ConfDir, ".network.uci-abc"),
		filepath.Join(s.ConfDir, "network.uci-1"),
		filepath.Join(s.ConfDir, ".wgowrt-journalx"),
		filepath.Join(tmp, "wgowrt-uci-99", "notes.txt"),
		filepath.Join(tmp, "wgowrt-uci-x", "network"),
		// an older wgowrt (no lock) may be committing through it right now
		filepath.Join(tmp, "wgowrt-uci-5678", "network"),
	}
	for _, f := range append(append([]string{}, stray...), keep...) {
		os.MkdirAll(filepath.Dir(f), 0700)
		os.WriteFile(f, []byte("private_key secret"), 0600)
	}
	old := time.Now().Add(-time.Hour)
	for _, d := range []string{"wgowrt-uci-1234", "wgowrt-uci-99", "wgowrt-uci-x"} {
		os.Chtimes(filepath.Join(tmp, d), old, old)
	}
	if err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	for _, f := range stray {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s not removed", f)
		}
	}
	for _, f := range keep {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s removed", f)
		}
	}
	if _, err := os.Stat(filepath.Join(s.SaveDir, "network")); err != nil {
		t.Error("the pending delta was removed")
	}
}

// TestRecoverLeavesALiveWritersFile: a temporary file whose target is
// locked (a uci commit in progress) is not removed.
func TestRecoverLeavesALiveWritersFile(t *testing.T) {
	s := tree(t, "")
	tmpf := filepath.Join(s.ConfDir, ".network.uci-123456")
	os.WriteFile(tmpf, nil, 0600)
	lock, err := uci.LockFile(filepath.Join(s.ConfDir, "network"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Recover(); close(done) }()
	// Recover waits for the lock; the writer then renames its file.
	time.Sleep(20 * time.Millisecond)
	if err := os.Rename(tmpf, filepath.Join(s.ConfDir, "network")); err != nil {
		t.Errorf("the writer's temporary file was removed under it: %v", err)
	}
	lock.Close()
	<-done
	if _, err := os.Stat(filepath.Join(s.ConfDir, "network")); err != nil {
		t.Error("the committed file is gone")
	}
}

// TestRecoverAfterRebootEmptiedTheOverrideDir: a journal naming a file in
// /var/run/uci (tmpfs) that a reboot emptied must neither fail forever nor
// create an empty file there, which would shadow /etc/config's.
func TestRecoverAfterRebootEmptiedTheOverrideDir(t *testing.T) {
	s := tree(t, "")
	j := `{"version":1,"files":[{"package":"network","override":true,"tmp":".network.wgowrt-1","backup":".network.wgowrt-2","old_sha256":"","new_sha256":"","edits":""}]}`
	os.WriteFile(s.journalPath(), []byte(j), 0600)
	if err := s.Recover(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.OverrideDir, "network")); !os.IsNotExist(err) {
		t.Errorf("an override file was created: %v", err)
	}
	assertClean(t, s.ConfDir, "network")
}
