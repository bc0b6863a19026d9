package wgdev

import (
	"fmt"
	"os"
	"sort"
	"sync"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Fake is an in-memory Client: devices are added by tests, and
// ConfigureDevice applies a Config with the kernel's semantics (peers
// matched by public key; Remove, UpdateOnly, ReplaceAllowedIPs and
// ReplacePeers honoured). Every configuration is recorded.
type Fake struct {
	mu      sync.Mutex
	devices map[string]*wgtypes.Device
	// Configs lists every ConfigureDevice call in order.
	Configs []FakeConfig
	// broken devices cannot be read (a stale UAPI socket).
	broken map[string]error
}

// FakeConfig is one recorded ConfigureDevice call.
type FakeConfig struct {
	Name   string
	Config wgtypes.Config
}

var _ Client = (*Fake)(nil)

// NewFake returns a Fake holding copies of devs.
func NewFake(devs ...*wgtypes.Device) *Fake {
	f := &Fake{devices: map[string]*wgtypes.Device{}}
	for _, d := range devs {
		c := *d
		c.Peers = append([]wgtypes.Peer(nil), d.Peers...)
		f.devices[d.Name] = &c
	}
	return f
}

// Break makes device name unreadable with err, as a userspace device
// whose UAPI socket is left over from a dead process.
func (f *Fake) Break(name string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken == nil {
		f.broken = map[string]error{}
	}
	f.broken[name] = err
}

// Devices returns every device, sorted by name, with the broken ones in
// a *DevicesError as the real client does.
func (f *Fake) Devices() ([]*wgtypes.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var names []string
	for n := range f.devices {
		names = append(names, n)
	}
	for n := range f.broken {
		if f.devices[n] == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return List(names, f.device)
}

// Device returns one device; a missing one is an error satisfying
// os.ErrNotExist, as with wgctrl.
func (f *Fake) Device(name string) (*wgtypes.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.device(name)
}

func (f *Fake) device(name string) (*wgtypes.Device, error) {
	if err := f.broken[name]; err != nil {
		return nil, err
	}
	d, ok := f.devices[name]
	if !ok {
		return nil, fmt.Errorf("wgdev fake: device %s: %w", name, os.ErrNotExist)
	}
	c := *d
	c.Peers = append([]wgtypes.Peer(nil), d.Peers...)
	return &c, nil
}

// ConfigureDevice applies cfg to device name.
func (f *Fake) ConfigureDevice(name string, cfg wgtypes.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.devices[name]
	if !ok {
		return fmt.Errorf("wgdev fake: device %s: %w", name, os.ErrNotExist)
	}
	f.Configs = append(f.Configs, FakeConfig{Name: name, Config: cfg})
	if cfg.ListenPort != nil {
		d.ListenPort = *cfg.ListenPort
	}
	if cfg.ReplacePeers {
		d.Peers = nil
	}
	for _, pc := range cfg.Peers {
		d.Peers = applyPeer(d.Peers, pc)
	}
	return nil
}

func applyPeer(peers []wgtypes.Peer, pc wgtypes.PeerConfig) []wgtypes.Peer {
	i := -1
	for j := range peers {
		if peers[j].PublicKey == pc.PublicKey {
			i = j
		}
	}
	if pc.Remove {
		if i >= 0 {
			peers = append(peers[:i:i], peers[i+1:]...)
		}
		return peers
	}
	if i < 0 {
		if pc.UpdateOnly {
			return peers
		}
		peers = append(peers, wgtypes.Peer{PublicKey: pc.PublicKey})
		i = len(peers) - 1
	}
	p := &peers[i]
	if pc.PresharedKey != nil {
		p.PresharedKey = *pc.PresharedKey
	}
	if pc.Endpoint != nil {
		p.Endpoint = pc.Endpoint
	}
	if pc.PersistentKeepaliveInterval != nil {
		p.PersistentKeepaliveInterval = *pc.PersistentKeepaliveInterval
	}
	if pc.ReplaceAllowedIPs {
		p.AllowedIPs = nil
	}
	p.AllowedIPs = append(p.AllowedIPs, pc.AllowedIPs...)
	return peers
}

// Close does nothing.
func (f *Fake) Close() error { return nil }
