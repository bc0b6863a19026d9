// Command vmcheck judges the console log of a test/qemu guest (vminit): the
// success marker, and the JSON the guest printed — both WireGuard devices
// read back over generic netlink as configured, a handshake on both sides,
// the probe payload through the tunnel, and `wgowrt status --json` showing
// the live interface joined with its UCI peer name.
//
//	vmcheck -goarch mips -version 1.2.3 [-builtin] console.log
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

// Guest constants (test/qemu/vminit): what was configured, to compare with
// what the kernel reports back.
const (
	portA, portB = 51820, 51821
	allowedOfA   = "10.9.0.2/32" // wg0's peer (wg1)
	allowedOfB   = "10.9.0.1/32" // wg1's peer (wg0)
	peerName     = "vm-peer"
)

type result struct {
	GOARCH    string          `json:"goarch"`
	Machine   string          `json:"machine"`
	Kernel    string          `json:"kernel"`
	Modules   []string        `json:"modules"`
	Devices   []device        `json:"devices"`
	Payload   string          `json:"payload"`
	Millis    int64           `json:"tunnel_ms"`
	Version   string          `json:"wgowrt_version"`
	Status    json.RawMessage `json:"wgowrt_status"`
	StatusErr string          `json:"wgowrt_status_error"`
	Supervise struct {
		Peers      int    `json:"peers"`
		Unresolved int    `json:"unresolved_logged"`
		RSSkB      int    `json:"vmrss_kb"`
		HWMkB      int    `json:"vmhwm_kb"`
		Err        string `json:"error"`
		Millis     int64  `json:"ms"`
	} `json:"supervise"`
}

type device struct {
	Name       string `json:"name"`
	Type       string `json:"type"`
	PublicKey  string `json:"public_key"`
	ListenPort int    `json:"listen_port"`
	Peers      []struct {
		PublicKey  string   `json:"public_key"`
		Endpoint   string   `json:"endpoint"`
		AllowedIPs []string `json:"allowed_ips"`
		Handshake  bool     `json:"handshake"`
		RxBytes    int64    `json:"rx_bytes"`
	} `json:"peers"`
}

type statusJSON struct {
	Version    int `json:"version"`
	Interfaces []struct {
		Name       string `json:"name"`
		PublicKey  string `json:"public_key"`
		ListenPort int    `json:"listen_port"`
		Running    bool   `json:"running"`
		Peers      []struct {
			Name      string `json:"name"`
			PublicKey string `json:"public_key"`
			State     string `json:"state"`
			RxBytes   int64  `json:"rx_bytes"`
		} `json:"peers"`
	} `json:"interfaces"`
}

type checker struct{ failed int }

func (c *checker) check(ok bool, format string, a ...any) {
	if ok {
		fmt.Printf("ok   "+format+"\n", a...)
		return
	}
	c.failed++
	fmt.Printf("FAIL "+format+"\n", a...)
}

func main() {
	goarch := flag.String("goarch", "", "GOARCH the guest must report")
	version := flag.String("version", "", "version the packaged wgowrt must print")
	builtin := flag.Bool("builtin", false, "WireGuard is built into the kernel (no modules loaded)")
	flag.Parse()
	if flag.NArg() != 1 || *goarch == "" || *version == "" {
		fmt.Fprintln(os.Stderr, "usage: vmcheck -goarch GOARCH -version V [-builtin] console.log")
		os.Exit(2)
	}
	log, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c := &checker{}
	c.judge(log, *goarch, *version, *builtin)
	if c.failed > 0 {
		os.Exit(1)
	}
}

func (c *checker) judge(log []byte, goarch, version string, builtin bool) {
	var line string
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	marker := false
	for sc.Scan() {
		t := strings.TrimRight(sc.Text(), "\r")
		if i := strings.Index(t, "WGOWRT-VM-FAIL:"); i >= 0 {
			c.check(false, "guest: %s", t[i:])
		}
		// Firmware escape sequences may precede the guest's first line.
		if i := strings.Index(t, "WGOWRT-VM-RESULT "); i >= 0 {
			line = t[i+len("WGOWRT-VM-RESULT "):]
		}
		marker = marker || strings.HasSuffix(t, "WGOWRT-VM-OK")
	}
	c.check(marker, "guest printed the success marker")
	var r result
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		c.check(false, "guest result JSON: %v", err)
		return
	}
	c.check(r.GOARCH == goarch, "guest GOARCH %q (kernel %s on %s)", r.GOARCH, r.Kernel, r.Machine)
	if builtin {
		c.check(len(r.Modules) == 0, "WireGuard built in, no modules loaded (%v)", r.Modules)
	} else {
		c.check(len(r.Modules) > 0 && r.Modules[len(r.Modules)-1] == "wireguard", "modules loaded: %v", r.Modules)
	}
	c.devices(r)
	c.check(r.Payload == "hello through wireguard on "+goarch, "UDP probe crossed the tunnel in %d ms: %q", r.Millis, r.Payload)
	c.check(r.Version == "wgowrt "+version, "wgowrt --version in the guest: %q", r.Version)
	c.status(r)
	c.supervise(r)
}

// superviseBudget is the target for the supervisor's resident
// memory on a router (a size budget, not a timing).
const superviseBudgetKB = 8 * 1024

// supervise: `wgowrt supervise` ran ticks over a live device with its
// peers (every host name looked up) and its peak resident memory stayed
// under the budget.
func (c *checker) supervise(r result) {
	s := r.Supervise
	c.check(s.Err == "" && s.Peers > 0 && s.Unresolved == s.Peers/2,
		"supervise ran over %d live peers (%d unresolvable names looked up; step took %d ms) %s", s.Peers, s.Unresolved, s.Millis, s.Err)
	c.check(s.HWMkB > 0 && s.HWMkB < superviseBudgetKB,
		"supervise memory on %s: VmRSS %d kB, VmHWM %d kB (budget %d kB)", r.GOARCH, s.RSSkB, s.HWMkB, superviseBudgetKB)
}

func (c *checker) devices(r result) {
	if !(len(r.Devices) == 2 && r.Devices[0].Name == "wg0" && r.Devices[1].Name == "wg1") {
		c.check(false, "guest read back devices wg0 and wg1: %+v", r.Devices)
		return
	}
	a, b := r.Devices[0], r.Devices[1]
	for _, d := range []struct {
		name, peerKey, allowed string
		port                   int
		dev                    device
	}{{"wg0", b.PublicKey, allowedOfA, portA, a}, {"wg1", a.PublicKey, allowedOfB, portB, b}} {
		dev := d.dev
		c.check(dev.Type == "Linux kernel", "%s is a kernel device (%s)", d.name, dev.Type)
		c.check(dev.ListenPort == d.port && dev.PublicKey != "", "%s listens on %d (%d) with key %s", d.name, d.port, dev.ListenPort, dev.PublicKey)
		if len(dev.Peers) != 1 {
			c.check(false, "%s has one peer (%d)", d.name, len(dev.Peers))
			continue
		}
		p := dev.Peers[0]
		c.check(p.PublicKey == d.peerKey, "%s's peer is the other end's key", d.name)
		c.check(len(p.AllowedIPs) == 1 && p.AllowedIPs[0] == d.allowed, "%s allowed IPs %v", d.name, p.AllowedIPs)
		c.check(p.Handshake && p.RxBytes > 0, "%s handshook and received %d bytes", d.name, p.RxBytes)
	}
}

func (c *checker) status(r result) {
	if r.StatusErr != "" || len(r.Status) == 0 {
		c.check(false, "wgowrt status --json ran in the guest: %s", r.StatusErr)
		return
	}
	var st statusJSON
	if err := json.Unmarshal(r.Status, &st); err != nil {
		c.check(false, "wgowrt status --json decodes: %v", err)
		return
	}
	c.check(st.Version == 1, "status JSON version %d", st.Version)
	if len(st.Interfaces) != 1 || len(r.Devices) != 2 {
		c.check(false, "status shows exactly wg0 (the namespace's only device): %s", r.Status)
		return
	}
	i := st.Interfaces[0]
	c.check(i.Name == "wg0" && i.Running && i.PublicKey == r.Devices[0].PublicKey && i.ListenPort == portA,
		"status: wg0 running, key and port as in the kernel")
	if len(i.Peers) != 1 {
		c.check(false, "status: wg0 has one peer: %s", r.Status)
		return
	}
	p := i.Peers[0]
	c.check(p.Name == peerName && p.PublicKey == r.Devices[1].PublicKey, "status: peer named %q from UCI (%q)", peerName, p.Name)
	c.check(p.State == "active" && p.RxBytes > 0, "status: peer %s, %d bytes received", p.State, p.RxBytes)
}
