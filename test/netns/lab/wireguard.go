package lab

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// wireguardGoPackage is built from this module's dependency graph, so its
// version is the one pinned in go.mod (a dependency of wgctrl).
const wireguardGoPackage = "golang.zx2c4.com/wireguard"

// uapiDir is where wireguard-go listens and wgctrl looks. It is global, not
// per namespace, which is why every device gets a unique UAPI name.
const uapiDir = "/var/run/wireguard"

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// WireGuardGo returns the path of a wireguard-go binary: $WGOWRT_WIREGUARD_GO
// if set, else one built once per test process from the module graph.
func WireGuardGo() (string, error) {
	if p := os.Getenv("WGOWRT_WIREGUARD_GO"); p != "" {
		return p, nil
	}
	buildOnce.Do(func() { buildPath, buildErr = buildWireGuardGo() })
	return buildPath, buildErr
}

// buildWireGuardGo builds wireguard-go into the user cache and renames it
// into place, so runs share one binary (a running copy keeps its inode)
// and nothing piles up in /tmp.
func buildWireGuardGo() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "wgowrt-lab")
	if err := os.MkdirAll(cache, 0755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "wireguard-go")
	cmd := exec.Command("go", "build", "-o", tmp, wireguardGoPackage)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", errorf("go build %s: %v: %s", wireguardGoPackage, err, msg)
	}
	out := filepath.Join(cache, "wireguard-go")
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	return out, nil
}

// moduleRoot walks up from the working directory to the go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// WGDevice is a wireguard-go device running inside a namespace.
type WGDevice struct {
	Ifname string // link name inside the namespace
	UAPI   string // name wgctrl knows it by (socket /var/run/wireguard/<UAPI>.sock)
}

// StartWireGuard starts wireguard-go inside n and renames its TUN link to
// ifname. wireguard-go names its UAPI socket after the link name it was
// started with, and sockets are global, so it starts under a unique name and
// the link is renamed afterwards: the router namespace then shows "wg0" as on
// OpenWrt while wgctrl addresses the device as "wl<tag><n>". (wireguard-go
// logs a harmless MTU lookup error after the rename; its cached name is
// only used to re-read the link MTU.)
func (n *NS) StartWireGuard(ifname string) (*WGDevice, error) {
	bin, err := WireGuardGo()
	if err != nil {
		return nil, err
	}
	dev := &WGDevice{Ifname: ifname, UAPI: n.lab.uniqueName("wl")}
	var logBuf bytes.Buffer
	cmd := n.Command(bin, "-f", dev.UAPI)
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n.lab.onCleanup(func() { stopProcess(cmd, dev.UAPI) })
	if err := waitSocket(dev.UAPI, 5*time.Second); err != nil {
		return nil, errorf("wireguard-go %s in %s: %v; log: %s", dev.UAPI, n.Name, err, logBuf.String())
	}
	if dev.UAPI != ifname {
		if _, err := n.Run("ip", "link", "set", "dev", dev.UAPI, "name", ifname); err != nil {
			return nil, err
		}
	}
	return dev, nil
}

// uniqueName returns prefix+tag+counter, at most 15 characters (IFNAMSIZ-1).
func (l *Lab) uniqueName(prefix string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	name := prefix + l.tag + itoa(l.seq)
	if len(name) > 15 {
		panic("lab: interface name too long: " + name)
	}
	return name
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func socketPath(uapi string) string { return filepath.Join(uapiDir, uapi+".sock") }

func waitSocket(uapi string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("unix", socketPath(uapi)); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return errorf("UAPI socket %s did not appear within %v", socketPath(uapi), timeout)
}

// stopProcess kills the process started by cmd (by its own pid) and removes
// the UAPI socket it may leave behind.
func stopProcess(cmd *exec.Cmd, uapi string) {
	if cmd.Process != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	_ = removeFile(socketPath(uapi))
}
