//go:build linux

// Command vminit is /init of the qemu-system guests (test/qemu/vm.sh). On a
// real kernel of each architecture it loads WireGuard, creates two links,
// configures them through wgowrt's device layer (internal/wgdev: wgctrl over
// generic netlink, in the guest's byte order), moves one link into a second
// network namespace, sends a UDP packet through the tunnel, reads both
// devices back, runs `wgowrt status --json` against a UCI tree naming the
// peer, prints one result line and powers off.
//
// Output: "WGOWRT-VM-RESULT <json>" then "WGOWRT-VM-OK", or "WGOWRT-VM-FAIL:
// <reason>". The host (vmcheck) judges the JSON.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// The two ends: fixed keys (no entropy needed at early boot), ports on
// loopback, tunnel addresses.
var (
	keyA, keyB   = fixedKey("wgowrt qemu wg0"), fixedKey("wgowrt qemu wg1")
	portA, portB = 51820, 51821
	addrA        = netip.MustParsePrefix("10.9.0.1/24")
	addrB        = netip.MustParsePrefix("10.9.0.2/24")
	probePort    = 9999
)

// Result is what the guest reports; vmcheck decodes the same fields.
type Result struct {
	GOARCH    string          `json:"goarch"`
	Machine   string          `json:"machine"`
	Kernel    string          `json:"kernel"`
	Modules   []string        `json:"modules"`
	Devices   []Dev           `json:"devices"`
	Payload   string          `json:"payload"`
	Millis    int64           `json:"tunnel_ms"`
	Version   string          `json:"wgowrt_version"`
	Status    json.RawMessage `json:"wgowrt_status"`
	StatusErr string          `json:"wgowrt_status_error,omitempty"`
	Supervise SuperviseMem    `json:"supervise"`
}

// Dev is one WireGuard device as read back over generic netlink.
type Dev struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	PublicKey  string `json:"public_key"`
	ListenPort int    `json:"listen_port"`
	Peers      []Peer `json:"peers"`
}

// Peer is one peer of a Dev.
type Peer struct {
	PublicKey  string   `json:"public_key"`
	Endpoint   string   `json:"endpoint"`
	AllowedIPs []string `json:"allowed_ips"`
	Handshake  bool     `json:"handshake"`
	RxBytes    int64    `json:"rx_bytes"`
	TxBytes    int64    `json:"tx_bytes"`
}

func main() {
	if err := console(); err != nil {
		powerOff() // nowhere to report to
	}
	if err := run(); err != nil {
		fmt.Printf("WGOWRT-VM-FAIL: %v\n", err)
	}
	powerOff()
}

func run() error {
	if err := mounts(); err != nil {
		return err
	}
	res := Result{GOARCH: runtime.GOARCH}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err == nil {
		res.Machine, res.Kernel = unix.ByteSliceToString(uts.Machine[:]), unix.ByteSliceToString(uts.Release[:])
	}
	var err error
	if res.Modules, err = loadModules(); err != nil {
		return err
	}
	if err := tunnel(&res); err != nil {
		return err
	}
	res.Version, res.Status, res.StatusErr = runWgowrt()
	res.Supervise = superviseMem()
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Printf("WGOWRT-VM-RESULT %s\nWGOWRT-VM-OK\n", out)
	return nil
}

// tunnel sets up wg0 (this namespace) and wg1 (namespace "b"), both
// sockets on this namespace's loopback, and proves a packet crosses.
func tunnel(res *Result) error {
	rt, err := dialRtnl(0)
	if err != nil {
		return err
	}
	if err := rt.up("lo"); err != nil {
		return err
	}
	for _, n := range []string{"wg0", "wg1"} {
		if err := rt.addWireGuard(n); err != nil {
			return err
		}
	}
	wg, err := wgdev.Open()
	if err != nil {
		return fmt.Errorf("wgdev.Open: %w", err)
	}
	defer wg.Close()
	if err := configure(wg, "wg0", keyA, portA, keyB.PublicKey(), portB, addrB); err != nil {
		return err
	}
	if err := configure(wg, "wg1", keyB, portB, keyA.PublicKey(), portA, addrA); err != nil {
		return err
	}
	b, err := newNamespace()
	if err != nil {
		return err
	}
	defer b.wg.Close()
	if err := rt.moveTo("wg1", b.fd); err != nil {
		return err
	}
	if err := addrUp(b.rt, "wg1", addrB); err != nil {
		return err
	}
	if err := addrUp(rt, "wg0", addrA); err != nil {
		return err
	}
	start := time.Now()
	if res.Payload, err = probe(b.udp); err != nil {
		return err
	}
	res.Millis = time.Since(start).Milliseconds()
	for _, d := range []struct {
		c    wgdev.Client
		name string
	}{{wg, "wg0"}, {b.wg, "wg1"}} {
		dev, err := d.c.Device(d.name)
		if err != nil {
			return fmt.Errorf("reading %s back: %w", d.name, err)
		}
		res.Devices = append(res.Devices, describe(dev))
	}
	return nil
}

func configure(wg wgdev.Client, name string, priv wgtypes.Key, port int, peer wgtypes.Key, peerPort int, peerAddr netip.Prefix) error {
	allowed := net.IPNet{IP: peerAddr.Addr().AsSlice(), Mask: net.CIDRMask(32, 32)}
	err := wg.ConfigureDevice(name, wgtypes.Config{
		PrivateKey:   &priv,
		ListenPort:   &port,
		ReplacePeers: true,
		Peers: []wgtypes.PeerConfig{{
			PublicKey:         peer,
			Endpoint:          &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: peerPort},
			ReplaceAllowedIPs: true,
			AllowedIPs:        []net.IPNet{allowed},
		}},
	})
	if err != nil {
		return fmt.Errorf("configuring %s through wgdev: %w", name, err)
	}
	return nil
}

func addrUp(rt *rtnl, name string, p netip.Prefix) error {
	if err := rt.addAddr(name, p); err != nil {
		return err
	}
	return rt.up(name)
}

// namespace is a second network namespace with sockets opened inside it.
type namespace struct {
	fd  int
	rt  *rtnl
	udp net.PacketConn
	wg  wgdev.Client
}

// newNamespace creates a network namespace on a locked thread and opens the
// sockets it needs there (sockets stay in the namespace they were made in).
// The thread is never unlocked, so Go discards it when the goroutine ends.
func newNamespace() (*namespace, error) {
	type result struct {
		ns  *namespace
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := enterNew()
		ch <- result{ns, err}
	}()
	r := <-ch
	return r.ns, r.err
}

func enterNew() (*namespace, error) {
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		return nil, fmt.Errorf("unshare(CLONE_NEWNET): %w", err)
	}
	fd, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ns := &namespace{fd: fd}
	if ns.rt, err = dialRtnl(0); err != nil {
		return nil, err
	}
	if ns.udp, err = net.ListenPacket("udp4", netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(probePort)).String()); err != nil {
		return nil, err
	}
	if ns.wg, err = wgdev.Open(); err != nil {
		return nil, fmt.Errorf("wgdev.Open in namespace b: %w", err)
	}
	return ns, nil
}

// probe sends UDP packets from this namespace to wg1's address until one
// arrives on the listener in namespace b: it can only get there through the
// tunnel (b has no other link), after a handshake.
func probe(listener net.PacketConn) (string, error) {
	want := "hello through wireguard on " + runtime.GOARCH
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 128)
		for {
			n, _, err := listener.ReadFrom(buf)
			if err != nil {
				return
			}
			got <- string(buf[:n])
			return
		}
	}()
	conn, err := net.Dial("udp4", netip.AddrPortFrom(addrB.Addr(), uint16(probePort)).String())
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := conn.Write([]byte(want)); err != nil {
			return "", fmt.Errorf("sending through wg0: %w", err)
		}
		select {
		case s := <-got:
			return s, nil
		case <-tick.C:
		case <-deadline:
			return "", fmt.Errorf("no packet through the tunnel within 30 s")
		}
	}
}

func describe(d *wgtypes.Device) Dev {
	out := Dev{Name: d.Name, Type: d.Type.String(), PublicKey: d.PublicKey.String(), ListenPort: d.ListenPort, Peers: []Peer{}}
	for _, p := range d.Peers {
		ps := Peer{PublicKey: p.PublicKey.String(), Handshake: !p.LastHandshakeTime.IsZero(),
			RxBytes: p.ReceiveBytes, TxBytes: p.TransmitBytes, AllowedIPs: []string{}}
		if p.Endpoint != nil {
			ps.Endpoint = p.Endpoint.String()
		}
		for _, a := range p.AllowedIPs {
			ps.AllowedIPs = append(ps.AllowedIPs, a.String())
		}
		out.Peers = append(out.Peers, ps)
	}
	return out
}

// runWgowrt runs the packaged binary: --version, and status --json against a
// UCI tree that declares wg0 and names its peer, so the JSON shows wgowrt
// joining live kernel state with UCI.
func runWgowrt() (version string, status json.RawMessage, errText string) {
	if _, err := os.Stat("/wgowrt"); err != nil {
		return "", nil, "no /wgowrt in the initramfs"
	}
	v, err := exec.Command("/wgowrt", "--version").Output()
	if err != nil {
		return "", nil, fmt.Sprintf("wgowrt --version: %v", err)
	}
	root := "/tmp/root"
	network := fmt.Sprintf(`
config interface 'wg0'
	option proto 'wireguard'
	option private_key '%s'
	option listen_port '%d'
	list addresses '%s'

config wireguard_wg0 'vmpeer'
	option description 'vm-peer'
	option public_key '%s'
	list allowed_ips '%s/32'
`, keyA, portA, addrA, keyB.PublicKey(), addrB.Addr())
	if err := os.MkdirAll(root+"/etc/config", 0o755); err != nil {
		return "", nil, err.Error()
	}
	_ = os.WriteFile(root+"/etc/config/network", []byte(network), 0o644)
	_ = os.WriteFile(root+"/etc/config/firewall", nil, 0o644)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/wgowrt", "--root", root, "--json", "status")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return string(bytes.TrimSpace(v)), nil, fmt.Sprintf("wgowrt status --json: %v: %s", err, stderr.String())
	}
	if !json.Valid(stdout.Bytes()) {
		return string(bytes.TrimSpace(v)), nil, "wgowrt status --json printed invalid JSON: " + stdout.String()
	}
	return string(bytes.TrimSpace(v)), json.RawMessage(bytes.TrimSpace(stdout.Bytes())), ""
}

// fixedKey derives a clamped Curve25519 private key from a label.
func fixedKey(label string) wgtypes.Key {
	k := wgtypes.Key(sha256.Sum256([]byte(label)))
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k
}
