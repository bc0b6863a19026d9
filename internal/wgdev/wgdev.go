// Package wgdev is the one place wgowrt talks to running WireGuard devices.
// Everything else depends on the Client interface, so code that needs a
// device can run (with Fake) where generic netlink does not exist, such as
// qemu-user.
package wgdev

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Client reads and configures WireGuard devices. It does not create links,
// addresses or routes: on OpenWrt that is netifd's job.
//
// Devices returns every device it can read. When some cannot be read (a
// UAPI socket left behind by a crashed userspace process refuses the
// connection) it returns the others together with a *DevicesError naming
// each unreadable one; any other error means nothing could be listed.
type Client interface {
	Devices() ([]*wgtypes.Device, error)
	Device(name string) (*wgtypes.Device, error)
	ConfigureDevice(name string, cfg wgtypes.Config) error
	Close() error
}

// DevicesError lists the devices that could not be read while listing.
type DevicesError struct {
	Failed []DeviceFailure
}

// DeviceFailure is one device that could not be read, and why.
type DeviceFailure struct {
	Name string
	Err  error
}

func (e *DevicesError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("device %s: %v", f.Name, f.Err))
	}
	return strings.Join(parts, "; ")
}

// Partial splits what Client.Devices returned: the readable devices, the
// unreadable ones by name, and the error when nothing could be listed.
func Partial(devs []*wgtypes.Device, err error) ([]*wgtypes.Device, map[string]error, error) {
	var de *DevicesError
	if err == nil || !errors.As(err, &de) {
		return devs, nil, err
	}
	bad := map[string]error{}
	for _, f := range de.Failed {
		bad[f.Name] = f.Err
	}
	return devs, bad, nil
}

// SocketDir is where userspace implementations (wireguard-go) put their
// UAPI sockets, NAME.sock; wgctrl looks there too.
const SocketDir = "/var/run/wireguard"

// client is wgctrl with a listing that reads each device on its own:
// wgctrl's Devices fails as a whole on the first socket it cannot read.
type client struct {
	*wgctrl.Client
}

// Open returns a client for the kernel (generic netlink) and userspace
// (UAPI socket) backends.
func Open() (Client, error) {
	c, err := wgctrl.New()
	if err != nil {
		return nil, err
	}
	return client{c}, nil
}

func (c client) Devices() ([]*wgtypes.Device, error) {
	names, err := Names(SocketDir, net.Interfaces)
	if err != nil {
		return nil, err
	}
	return List(names, func(name string) (*wgtypes.Device, error) {
		d, err := c.Client.Device(name)
		return d, staleHint(name, err)
	})
}

// staleHint says what a refused UAPI connection means: the process that
// made the socket is gone (wg(8) removes such a socket when it meets it).
func staleHint(name string, err error) error {
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return err
	}
	sock := filepath.Join(SocketDir, name+".sock")
	return fmt.Errorf("no process answers on %s (left by a userspace WireGuard that died?); remove it if so: %w", sock, err)
}

// Names are the candidate device names: every network link and every
// UAPI socket in dir (a stale socket has no link).
func Names(dir string, links func() ([]net.Interface, error)) ([]string, error) {
	ifs, err := links()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, i := range ifs {
		seen[i.Name] = true
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range ents {
		if e.Type()&fs.ModeSocket != 0 && filepath.Ext(e.Name()) == ".sock" {
			seen[strings.TrimSuffix(e.Name(), ".sock")] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// List reads each named device with read, skipping names that are no
// WireGuard device (os.ErrNotExist); the devices that fail otherwise are
// returned in a *DevicesError beside those that could be read. Lacking
// the permission (not root) is no device's fault: it fails the whole list.
func List(names []string, read func(string) (*wgtypes.Device, error)) ([]*wgtypes.Device, error) {
	var out []*wgtypes.Device
	var de DevicesError
	for _, n := range names {
		d, err := read(n)
		switch {
		case err == nil:
			out = append(out, d)
		case errors.Is(err, os.ErrPermission):
			return nil, err
		case !errors.Is(err, os.ErrNotExist):
			de.Failed = append(de.Failed, DeviceFailure{Name: n, Err: err})
		}
	}
	if len(de.Failed) > 0 {
		return out, &de
	}
	return out, nil
}
