package uci

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const netConf = "\nconfig interface 'lan'\n\toption proto 'static'\n\n"

func newCtx(t *testing.T) *Context {
	t.Helper()
	dir := t.TempDir()
	c := &Context{ConfDir: filepath.Join(dir, "config"), SaveDir: filepath.Join(dir, "save")}
	os.MkdirAll(c.ConfDir, 0755)
	return c
}

func commitSet(c *Context, tuple string) error {
	ptr, err := ParsePtr(tuple)
	if err != nil {
		return err
	}
	p, err := c.Load(ptr.Package)
	if err != nil {
		return err
	}
	if _, err := p.Set(ptr); err != nil {
		return err
	}
	_, err = c.Commit(p)
	return err
}

// requirePrivileged skips a test that needs root, unless CI demands it.
func requirePrivileged(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") != "" {
		t.Fatalf("%s needs root", why)
	}
	t.Skipf("%s needs root: run `sudo go test ./uci -run %s`", why, t.Name())
}

func TestCommitKeepsModeAndCreatesPrivateFiles(t *testing.T) {
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0640)
	os.Chmod(c.Path("network"), 0640)
	if err := commitSet(c, "network.lan.ipaddr=10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(c.Path("network")); st.Mode().Perm() != 0640 {
		t.Errorf("mode %v after commit, want 0640", st.Mode().Perm())
	}
	p := NewPackage("wgowrt")
	if _, err := p.NewSection("state", "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Commit(p); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(c.Path("wgowrt"))
	if err != nil || st.Mode().Perm() != 0600 {
		t.Fatalf("new file: %v %v, want mode 0600", st, err)
	}
	if got := readString(t, c.Path("wgowrt")); got != "\nconfig state 'main'\n\n" {
		t.Errorf("new file %q", got)
	}
}

// assertUntouched checks the config is byte-identical and no temp file is left.
func assertUntouched(t *testing.T, c *Context, want string) {
	t.Helper()
	if got := readString(t, c.Path("network")); got != want {
		t.Errorf("original changed:\n%q", got)
	}
	if left, _ := filepath.Glob(filepath.Join(c.ConfDir, ".network.uci-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestCommitIntoReadOnlyDirectory(t *testing.T) {
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	if os.Geteuid() == 0 {
		// root ignores permission bits: make the directory a read-only mount.
		mountTmpfs(t, c.ConfDir, "size=1m")
		os.WriteFile(c.Path("network"), []byte(netConf), 0600)
		if err := syscall.Mount("", c.ConfDir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Fatal(err)
		}
	} else {
		os.Chmod(c.ConfDir, 0555)
		defer os.Chmod(c.ConfDir, 0755)
	}
	err := commitSet(c, "network.lan.ipaddr=10.0.0.1")
	if CodeOf(err) != ErrIO {
		t.Fatalf("want an I/O error, got %v", err)
	}
	assertUntouched(t, c, netConf)
}

func mountTmpfs(t *testing.T, dir, opts string) {
	t.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
}

func TestCommitIntoFullFilesystem(t *testing.T) {
	requirePrivileged(t, "mounting a small tmpfs")
	c := newCtx(t)
	mountTmpfs(t, c.ConfDir, "size=64k")
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	filler, _ := os.Create(filepath.Join(c.ConfDir, "filler"))
	filler.Write(make([]byte, 1<<20)) // fails when the filesystem is full
	filler.Close()
	err := commitSet(c, "network.lan.description="+strings.Repeat("x", 8000))
	if CodeOf(err) != ErrIO || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want ENOSPC, got %v", err)
	}
	assertUntouched(t, c, netConf)
}

func TestCommitFailureBeforeRenameLeavesOriginal(t *testing.T) {
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	beforeRename = func(string) error { return errors.New("injected") }
	defer func() { beforeRename = nil }()
	if err := commitSet(c, "network.lan.ipaddr=10.0.0.1"); err == nil {
		t.Fatal("commit succeeded despite injected failure")
	}
	assertUntouched(t, c, netConf)
	// the staged change is not lost: the delta file still holds it.
	beforeRename = nil
	p, err := c.Load("network")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := p.Section("lan").Get("ipaddr"); v != "10.0.0.1" {
		t.Errorf("staged change lost after failed commit")
	}
}

// TestCommitCrashBeforeRename kills a committing process between writing
// the temporary file and renaming it.
func TestCommitCrashBeforeRename(t *testing.T) {
	if dir := os.Getenv("WGOWRT_CRASH_CONFDIR"); dir != "" {
		c := &Context{ConfDir: dir, SaveDir: filepath.Join(dir, "..", "save")}
		beforeRename = func(string) error { os.Exit(3); return nil }
		commitSet(c, "network.lan.ipaddr=10.0.0.1")
		os.Exit(0)
	}
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCommitCrashBeforeRename$")
	cmd.Env = append(os.Environ(), "WGOWRT_CRASH_CONFDIR="+c.ConfDir)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("child did not crash at the hook: %v", err)
	}
	if got := readString(t, c.Path("network")); got != netConf {
		t.Errorf("original changed by crashed commit: %q", got)
	}
}

// TestConcurrentCommitters runs committers with separate staging
// directories against one file, with a reader that must always see a
// complete, parseable file; no update may be lost.
func TestConcurrentCommitters(t *testing.T) {
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			data, err := os.ReadFile(c.Path("network"))
			if err == nil {
				if _, err := Parse("network", data); err != nil || len(data) == 0 {
					errs <- fmt.Errorf("reader saw a broken file: %v %q", err, data)
					return
				}
			}
		}
	}()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wc := &Context{ConfDir: c.ConfDir, SaveDir: filepath.Join(c.SaveDir, fmt.Sprint(w))}
			for i := 0; i < each; i++ {
				if err := commitSet(wc, fmt.Sprintf("network.lan.w%d_%d=%d", w, i, i)); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(done)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	p, err := c.LoadFile("network")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.Section("lan").Options); n != 1+writers*each {
		t.Errorf("%d options after %d commits: updates lost", n, writers*each)
	}
}

func TestRevertSection(t *testing.T) {
	c := newCtx(t)
	os.WriteFile(c.Path("network"), []byte(netConf+"config interface 'wan'\n\toption proto 'dhcp'\n"), 0600)
	p, _ := c.Load("network")
	p.SetOption("lan", "mtu", "1400")
	p.SetOption("wan", "mtu", "1500")
	p, err := c.Revert(p, Ptr{Package: "network", Section: "lan"})
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for _, d := range p.Changes() {
		got.WriteString(d.ChangeLine("network"))
	}
	if got.String() != "network.wan.mtu='1500'\n" {
		t.Errorf("changes after revert of lan: %q", got.String())
	}
	if readString(t, c.DeltaPath("network")) != "network.wan.mtu='1500'\n" {
		t.Errorf("delta file after revert: %q", readString(t, c.DeltaPath("network")))
	}
}

func TestDeltaPathsApplyBeforeSaveDir(t *testing.T) {
	c := newCtx(t)
	luci := filepath.Join(filepath.Dir(c.ConfDir), "luci")
	os.MkdirAll(luci, 0700)
	os.MkdirAll(c.SaveDir, 0700)
	c.DeltaPaths = []string{luci}
	os.WriteFile(c.Path("network"), []byte(netConf), 0600)
	os.WriteFile(filepath.Join(luci, "network"), []byte("network.lan.mtu='1280'\nnetwork.lan.x='1'\n"), 0600)
	os.WriteFile(c.DeltaPath("network"), []byte("network.lan.mtu='1420'\ngarbage line\n-network.lan.x\n"), 0600)
	p, err := c.Load("network")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Section("lan")
	if v, _ := s.Get("mtu"); v != "1420" {
		t.Errorf("mtu %q: save dir must apply last", v)
	}
	if s.Option("x") != nil || len(p.Changes()) != 4 {
		t.Errorf("changes %v", p.Changes())
	}
}

func TestOverrideDirIsReadAndCommittedFirst(t *testing.T) {
	c := newCtx(t)
	c.OverrideDir = filepath.Join(filepath.Dir(c.ConfDir), "run")
	os.MkdirAll(c.OverrideDir, 0755)
	os.WriteFile(filepath.Join(c.ConfDir, "network"), []byte(netConf), 0600)
	os.WriteFile(filepath.Join(c.OverrideDir, "network"), []byte("config interface 'lan'\n\toption proto 'dhcp'\n"), 0600)
	if err := commitSet(c, "network.lan.mtu=1400"); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, filepath.Join(c.ConfDir, "network")); got != netConf {
		t.Errorf("/etc/config copy changed: %q", got)
	}
	if got := readString(t, filepath.Join(c.OverrideDir, "network")); got != "\nconfig interface 'lan'\n\toption proto 'dhcp'\n\toption mtu '1400'\n\n" {
		t.Errorf("override copy: %q", got)
	}
}
