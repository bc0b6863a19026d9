// Package wgdev is the one place wgowrt talks to running WireGuard devices.
// Everything else depends on the Client interface, so code that needs a
// device can run (with Fake) where generic netlink does not exist, such as
// qemu-user.
package wgdev

import (
	"golang.zx2c4.com/wireguard/wgctrl"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Client reads and configures WireGuard devices. It does not create links,
// addresses or routes: on OpenWrt that is netifd's job.
type Client interface {
	Devices() ([]*wgtypes.Device, error)
	Device(name string) (*wgtypes.Device, error)
	ConfigureDevice(name string, cfg wgtypes.Config) error
	Close() error
}

var _ Client = (*wgctrl.Client)(nil)

// Open returns a client for the kernel (generic netlink) and userspace
// (UAPI socket) backends.
func Open() (Client, error) { return wgctrl.New() }
