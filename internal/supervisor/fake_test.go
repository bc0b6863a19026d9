package supervisor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// fakeOps is a router with one device: peers with handshake times the
// test sets, and a record of every push.
type fakeOps struct {
	mu      sync.Mutex
	iface   string
	peers   map[wgtypes.Key]*wgtypes.Peer
	targets []ops.EndpointTarget
	names   map[wgtypes.Key]string
	pushes  []string // "endpoint NAME ADDR", "nudge NAME", "sync IFACE"
	stamp   string
	// syncAdds are peers a sync adds to the device (a joining peer).
	syncAdds map[wgtypes.Key]wgtypes.Peer
}

func key(i int) wgtypes.Key { var k wgtypes.Key; k[0], k[1] = byte(i), byte(i>>8); k[31] = 1; return k }

func newFakeOps(n int) *fakeOps {
	f := &fakeOps{iface: "wg0", peers: map[wgtypes.Key]*wgtypes.Peer{}, names: map[wgtypes.Key]string{}, syncAdds: map[wgtypes.Key]wgtypes.Peer{}}
	for i := 0; i < n; i++ {
		k := key(i)
		f.names[k] = fmt.Sprintf("wg0/peer%d", i)
		f.peers[k] = &wgtypes.Peer{PublicKey: k, PersistentKeepaliveInterval: 25 * time.Second,
			Endpoint: &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 51820}}
		f.targets = append(f.targets, ops.EndpointTarget{Iface: "wg0", Peer: fmt.Sprintf("peer%d", i), Key: k,
			Host: fmt.Sprintf("p%d.example.org", i), Port: 51820, Keepalive: 25 * time.Second})
	}
	return f
}

func (f *fakeOps) EndpointTargets() ([]ops.EndpointTarget, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ops.EndpointTarget(nil), f.targets...), nil
}
func (f *fakeOps) PeerNames() (map[wgtypes.Key]string, error) { return f.names, nil }

func (f *fakeOps) LiveDevices() ([]*wgtypes.Device, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &wgtypes.Device{Name: f.iface}
	for _, p := range f.peers {
		d.Peers = append(d.Peers, *p)
	}
	return []*wgtypes.Device{d}, nil
}

func (f *fakeOps) SetEndpoint(iface string, k wgtypes.Key, ep netip.AddrPort) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.peers[k].Endpoint = net.UDPAddrFromAddrPort(ep)
	f.pushes = append(f.pushes, "endpoint "+f.names[k]+" "+ep.String())
	return nil
}

func (f *fakeOps) Nudge(iface string, k wgtypes.Key, ka time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes = append(f.pushes, "nudge "+f.names[k])
	return nil
}

func (f *fakeOps) Sync(iface string) ([]ops.SyncIface, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushes = append(f.pushes, "sync "+iface)
	for k, p := range f.syncAdds {
		p := p
		f.peers[k] = &p
		delete(f.syncAdds, k)
	}
	return nil, nil
}

func (f *fakeOps) ConfigStamp() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stamp
}

func (f *fakeOps) handshake(i int, t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.peers[key(i)].LastHandshakeTime = t
}

func (f *fakeOps) takePushes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.pushes
	f.pushes = nil
	return p
}

// fakeDNS answers from a map the test changes; it counts look-ups.
type fakeDNS struct {
	mu      sync.Mutex
	addrs   map[string]netip.Addr
	lookups int
}

func (d *fakeDNS) resolve(_ context.Context, host string) ([]netip.Addr, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lookups++
	a, ok := d.addrs[host]
	if !ok {
		return nil, fmt.Errorf("lookup %s: no such host", host)
	}
	return []netip.Addr{a}, nil
}

func (d *fakeDNS) set(host, addr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if addr == "" {
		delete(d.addrs, host)
		return
	}
	d.addrs[host] = netip.MustParseAddr(addr)
}
