package supervise

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool finds an oracle script ($OWRT_NS's directory, or
// ../shared/oracle/bin beside the repository) and skips (fails in CI)
// when this host cannot run it.
func tool(t *testing.T, name string) string {
	t.Helper()
	dir := "../../../shared/oracle/bin"
	if p := os.Getenv("OWRT_NS"); p != "" {
		dir = filepath.Dir(p)
	}
	p, _ := filepath.Abs(filepath.Join(dir, name))
	if _, err := os.Stat(p); err != nil {
		skipOrFail(t, "no "+name+" at "+p+" (set OWRT_NS)")
	} else if out, err := exec.Command(filepath.Join(filepath.Dir(p), "owrt-ns"), "preflight").CombinedOutput(); err != nil {
		skipOrFail(t, "owrt-ns preflight: "+strings.TrimSpace(string(out)))
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

// install copies the binary and the service script in as the package
// lays them out (stdin through exec, as scp would).
func install(t *testing.T, boot, name string) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"usr/sbin", "etc/init.d"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	copyFile(t, bin, filepath.Join(dir, "usr/sbin/wgowrt"))
	copyFile(t, "../../package/files/wgowrt.init", filepath.Join(dir, "etc/init.d/wgowrt"))
	tar := exec.Command("tar", "-C", dir, "-cf", "-", ".")
	in := exec.Command(boot, name, "exec", "tar", "-xf", "-", "-C", "/")
	pipe, _ := tar.StdoutPipe()
	in.Stdin = pipe
	if err := tar.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := in.CombinedOutput(); err != nil {
		t.Fatalf("copying into the container: %v\n%s", err, out)
	}
	tar.Wait()
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func oracleDir() string {
	if d := os.Getenv("OWRT_ORACLE"); d != "" {
		return d
	}
	return "/opt/owrt-oracle"
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}
