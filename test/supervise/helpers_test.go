package supervise

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

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
