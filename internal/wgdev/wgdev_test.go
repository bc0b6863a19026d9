package wgdev

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// staleSocket leaves a UAPI socket file nobody listens on, as a crashed
// wireguard-go does.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Skipf("cannot make a unix socket here: %v", err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
}

// TestListSkipsStaleSocket: with a stale x.sock beside a working device,
// listing yields the working device and names x with its connection
// error; links that are no WireGuard device are skipped silently.
func TestListSkipsStaleSocket(t *testing.T) {
	dir := t.TempDir()
	staleSocket(t, filepath.Join(dir, "x.sock"))
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0600)
	links := func() ([]net.Interface, error) { return []net.Interface{{Name: "lo"}, {Name: "wg0"}}, nil }
	names, err := Names(dir, links)
	if err != nil || !slices.Equal(names, []string{"lo", "wg0", "x"}) {
		t.Fatalf("names %v, %v; want lo wg0 x", names, err)
	}
	read := func(name string) (*wgtypes.Device, error) {
		switch name {
		case "wg0":
			return &wgtypes.Device{Name: name}, nil
		case "x": // what wgctrl's userspace backend does first
			c, err := net.Dial("unix", filepath.Join(dir, "x.sock"))
			if err == nil {
				c.Close()
			}
			return nil, err
		}
		return nil, os.ErrNotExist
	}
	devs, bad, err := Partial(List(names, read))
	if err != nil || len(devs) != 1 || devs[0].Name != "wg0" || bad["x"] == nil || len(bad) != 1 {
		t.Fatalf("devices %v, unreadable %v, error %v; want wg0 and x unreadable", devs, bad, err)
	}
	if err := staleHint("x", bad["x"]); !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "no process answers on /var/run/wireguard/x.sock") {
		t.Errorf("hint for a refused socket: %v", err)
	}
	if _, _, err := Partial(nil, errors.New("netlink: permission denied")); err == nil {
		t.Error("an error listing nothing must stay an error")
	}
}

// TestNamesWithoutSocketDir: no /var/run/wireguard is normal (kernel only).
func TestNamesWithoutSocketDir(t *testing.T) {
	names, err := Names(filepath.Join(t.TempDir(), "none"), func() ([]net.Interface, error) { return []net.Interface{{Name: "wg0"}}, nil })
	if err != nil || !slices.Equal(names, []string{"wg0"}) {
		t.Fatalf("names %v, %v", names, err)
	}
}

// TestListWithoutPermission: not root, every read fails with EPERM; that
// is one error for the whole list, not every link marked unreadable.
func TestListWithoutPermission(t *testing.T) {
	read := func(string) (*wgtypes.Device, error) { return nil, syscall.EPERM }
	devs, bad, err := Partial(List([]string{"eth0", "lo", "wg0"}, read))
	if err == nil || devs != nil || bad != nil {
		t.Fatalf("devices %v, unreadable %v, error %v; want one error", devs, bad, err)
	}
}
