package system

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
	"github.com/wgowrt/wgowrt/uci"
)

// Change says what a committed plan touched, which decides how to apply it.
type Change struct {
	Iface string
	// Interface is true when network.<iface> itself changed (created,
	// port, addresses): netifd must reload and (re)create the link.
	Interface bool
	// Addresses is true when the interface's addresses list changed.
	Addresses bool
	// Peers is true when peer sections of iface changed.
	Peers bool
	// Routes is true when a changed peer has route_allowed_ips: netifd
	// installs those routes only when it sets the interface up.
	Routes bool
	// Firewall is true when /etc/config/firewall changed.
	Firewall bool
	// Network is the network package as committed.
	Network *uci.Package
}

// Applier makes the running system follow committed changes.
type Applier struct {
	Ubus    ubus.Caller
	Dev     wgdev.Client
	Release Release
	// Resolve turns a peer's endpoint host name into an address, as wg(8)
	// does when netifd sets the interface up; nil leaves host-name
	// endpoints to netifd (the next ifup).
	Resolve func(host string) (netip.Addr, error)
	// Settle is how long to wait for netifd to finish setting the
	// interface up before pushing peers (0: do not wait); Sleep waits
	// between looks (time.Sleep on a router).
	Settle time.Duration
	Sleep  func(time.Duration)
}

// Apply reloads what needs reloading and pushes peer changes into the
// running device. It returns notes for the user. Errors mean the
// configuration is committed but not (fully) running.
func (a *Applier) Apply(c Change) ([]string, error) {
	var notes []string
	if c.Interface {
		if err := ubus.NetworkReload(a.Ubus); err != nil {
			return notes, err
		}
		notes = append(notes, "network reloaded")
		if c.Addresses && !a.Release.ReloadAppliesAddresses() {
			notes = append(notes, fmt.Sprintf("up to OpenWrt 24.10 a reload does not apply the new addresses of %s: run 'ifup %s' (this re-creates the link and every peer re-handshakes)", c.Iface, c.Iface))
		}
	}
	if c.Peers {
		// After a reload too: up to 24.10 `network reload` does not apply
		// peer sections, and the diff is idempotent when netifd has
		// already re-created the link from UCI.
		n, err := a.pushPeers(c)
		if err != nil {
			return notes, err
		}
		notes = append(notes, n...)
	}
	if c.Firewall {
		if err := ubus.ConfigChanged(a.Ubus, "firewall"); err != nil {
			return notes, err
		}
		notes = append(notes, "firewall reloaded")
	}
	return notes, nil
}

// pushPeers applies the peer diff with wgctrl, then asks netifd for the
// routes of spokes where the release allows it without a link bounce.
func (a *Applier) pushPeers(c Change) ([]string, error) {
	a.settle(c.Iface)
	dev, err := a.Dev.Device(c.Iface)
	if errors.Is(err, os.ErrNotExist) {
		return []string{fmt.Sprintf("%s is not running: its peers apply when netifd brings it up", c.Iface)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading device %s: %v", c.Iface, err)
	}
	desired := DesiredPeers(c.Network, c.Iface)
	notes := a.resolveEndpoints(c, desired)
	diff := Diff(desired, dev)
	if len(diff) > 0 {
		if err := a.Dev.ConfigureDevice(c.Iface, wgtypes.Config{Peers: diff}); err != nil {
			return nil, fmt.Errorf("updating peers of %s: %v", c.Iface, err)
		}
		notes = append(notes, fmt.Sprintf("%d peer change(s) applied to running %s; other sessions untouched", len(diff), c.Iface))
	}
	if !c.Routes || c.Interface {
		return notes, nil
	}
	if a.Release.RenewAppliesPeers() {
		if err := ubus.InterfaceRenew(a.Ubus, c.Iface); err != nil {
			return notes, err
		}
		return append(notes, "routes of "+c.Iface+" renewed"), nil
	}
	return append(notes, fmt.Sprintf("routes behind peers are installed when %s next comes up: run 'ifup %s' (this re-creates the link and every peer re-handshakes)", c.Iface, c.Iface)), nil
}

// settle waits, up to a.Settle, while netifd is still setting iface up:
// its WireGuard handler read the configuration when the setup began (say,
// right after `server init`) and then replaces the device's peers with what
// it read, so a peer pushed meanwhile would be lost. Afterwards the diff
// against the device finds what the handler missed.
func (a *Applier) settle(iface string) {
	if a.Ubus == nil || a.Settle <= 0 || a.Sleep == nil {
		return
	}
	const step = 200 * time.Millisecond
	for waited := time.Duration(0); waited < a.Settle; waited += step {
		if pending, err := ubus.InterfacePending(a.Ubus, iface); err != nil || !pending {
			return
		}
		a.Sleep(step)
	}
}
