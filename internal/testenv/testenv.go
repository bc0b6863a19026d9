// Package testenv is what the tests that run the real OpenWrt programs of
// ../shared/oracle share: finding its scripts (skipping, or failing in CI,
// where they cannot run), building the wgowrt binary they run, and running
// a tool with the test failing on error. Only tests import it.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SkipOrFail skips the test with why, or fails it when every tier is
// required (WGOWRT_REQUIRE_PRIVILEGED=1, as in CI).
func SkipOrFail(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// OracleTool returns the path of the oracle's owrt-ns or owrt-boot:
// $OWRT_NS or $OWRT_BOOT, else the one beside $OWRT_NS, else
// ../shared/oracle/bin beside the repository. The test is skipped (failed
// in CI) when the tool is missing or this host cannot run it (owrt-ns
// preflight).
func OracleTool(t testing.TB, name string) string {
	t.Helper()
	p := oracleToolPath(name)
	if _, err := os.Stat(p); err != nil {
		SkipOrFail(t, "no "+name+" at "+p+" (set OWRT_NS)")
	} else if out, err := exec.Command(filepath.Join(filepath.Dir(p), "owrt-ns"), "preflight").CombinedOutput(); err != nil {
		SkipOrFail(t, "owrt-ns preflight: "+strings.TrimSpace(string(out)))
	}
	return p
}

func oracleToolPath(name string) string {
	if name == "owrt-ns" && os.Getenv("OWRT_NS") != "" {
		return os.Getenv("OWRT_NS")
	}
	if name == "owrt-boot" && os.Getenv("OWRT_BOOT") != "" {
		return os.Getenv("OWRT_BOOT")
	}
	if ns := os.Getenv("OWRT_NS"); ns != "" {
		return filepath.Join(filepath.Dir(ns), name)
	}
	return filepath.Join(filepath.Dir(RepoRoot()), "shared", "oracle", "bin", name)
}

// RepoRoot is the directory of the module's go.mod above the working
// directory ("." when there is none).
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return "."
		}
	}
}

// BuildWgowrt builds a static wgowrt (it also runs inside the oracle's
// routers) into dir and returns its path.
func BuildWgowrt(dir string) (string, error) {
	bin := filepath.Join(dir, "wgowrt")
	build := exec.Command("go", "build", "-o", bin, "github.com/wgowrt/wgowrt/cmd/wgowrt")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", errors.New("building wgowrt: " + err.Error() + "\n" + string(out))
	}
	return bin, nil
}

// Runner returns a function that runs the tool at path with its arguments
// and fails the test on error, printing the output.
func Runner(t testing.TB, path string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, err := exec.Command(path, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
		}
		return string(out)
	}
}

// RunWithWgowrt is a TestMain body: it builds wgowrt into a temporary
// directory, sets *bin, runs the tests and removes the directory.
func RunWithWgowrt(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "wgowrt-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = BuildWgowrt(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// Install copies host files into a running owrt-boot container as a
// package would lay them out (mode 0755), through `owrt-boot NAME exec tar`
// on stdin, as scp would: files maps the path inside to the host file.
func Install(t testing.TB, boot, name string, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for inside, host := range files {
		b, err := os.ReadFile(host)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, inside)
		if err := os.MkdirAll(filepath.Dir(p), 0755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0755); err != nil {
			t.Fatal(err)
		}
	}
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

// StateRoot is where owrt-ns and owrt-boot keep their state:
// $OWRT_STATE, else their default /run/owrt-oracle.
func StateRoot() string {
	if d := os.Getenv("OWRT_STATE"); d != "" {
		return d
	}
	return "/run/owrt-oracle"
}

// BootDown stops the owrt-boot container name and removes the state
// owrt-boot keeps of it by design ($OWRT_STATE/.boot/NAME: overlay, config,
// console log), once nothing is mounted there: a test leaves nothing
// behind. Errors are ignored (a container that is not up is fine).
func BootDown(boot, name string) {
	_, _ = BootStop(boot, name)
	dir := filepath.Join(StateRoot(), ".boot", name)
	b, _ := os.ReadFile("/proc/mounts")
	if !strings.Contains(string(b), " "+dir+"/") && !strings.Contains(string(b), " "+dir+" ") {
		_ = os.RemoveAll(dir)
	}
}
