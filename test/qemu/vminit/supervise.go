//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/internal/wgdev"
)

// The supervisor's memory on this kernel: `wgowrt supervise` (as procd
// runs it: GOMAXPROCS=1) against a UCI tree whose interface wg2 has
// supervisePeers peers, the same peers configured in a live kernel device
// wg2 (read over generic netlink on every tick); half of them name their
// endpoint by a host that does not resolve (no DNS in the guest), so every
// tick also looks names up. There is no procd or ubus here: its `ubus
// listen` child fails and is retried every 10 s, its events' `ubus send`
// fail (both logged), which changes nothing of its own memory. It runs
// superviseFor with a 1 s interval, and on until every host-name peer has
// been looked up once (up to superviseMax), then its VmRSS and VmHWM
// (peak) are read from /proc/PID/status. The binary sits in the initramfs (tmpfs), so
// its pages count as shared memory rather than RssFile; on a router's
// squashfs they are RssFile: VmRSS is the same sum.
const (
	supervisePeers = 200
	superviseFor   = 4 * time.Second
	// superviseMax bounds the wait for every host-name peer to have been
	// looked up once: a slow emulated CPU needs more than superviseFor,
	// and the supervisor stops at SIGTERM without finishing its tick.
	superviseMax = 30 * time.Second
)

// lockedBuffer is the supervisor's output, read while it still writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// SuperviseMem is the guest's report of the supervisor's memory.
type SuperviseMem struct {
	Peers int `json:"peers"`
	// Unresolved counts the "cannot resolve" lines: each name is logged
	// once, so all supervisePeers/2 mean every host-name peer was looked at.
	Unresolved int `json:"unresolved_logged"`
	RSSkB      int `json:"vmrss_kb"`
	HWMkB      int `json:"vmhwm_kb"`
	// AnonkB and FilekB are parts of VmRSS: heap and stacks, and the
	// binary's pages when it sits on a real file system (see above).
	AnonkB int    `json:"rss_anon_kb"`
	FilekB int    `json:"rss_file_kb"`
	Err    string `json:"error,omitempty"`
	// Millis is what this step added to the boot.
	Millis int64 `json:"ms"`
}

func superviseMem() SuperviseMem {
	start := time.Now()
	m := superviseRun()
	m.Millis = time.Since(start).Milliseconds()
	return m
}

func superviseRun() SuperviseMem {
	m := SuperviseMem{Peers: supervisePeers}
	root := "/tmp/sroot"
	if err := superviseSetup(root); err != nil {
		m.Err = err.Error()
		return m
	}
	var logs lockedBuffer
	cmd := exec.Command("/wgowrt", "--root", root, "supervise", "--interval", "1s", "--stale", "1s", "--max-backoff", "1s", "--down-after", "1s")
	cmd.Env = []string{"GOMAXPROCS=1", "PATH=/"}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		m.Err = err.Error()
		return m
	}
	time.Sleep(superviseFor)
	for end := time.Now().Add(superviseMax - superviseFor); time.Now().Before(end) &&
		strings.Count(logs.String(), "cannot resolve") < supervisePeers/2; {
		time.Sleep(200 * time.Millisecond)
	}
	m.RSSkB, m.HWMkB, m.AnonkB, m.FilekB = procMem(cmd.Process.Pid)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			m.Err = fmt.Sprintf("supervise ended with %v: %s", err, lastLines(logs.String()))
		}
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		m.Err = "supervise did not stop on SIGTERM within 10 s"
	}
	m.Unresolved = strings.Count(logs.String(), "cannot resolve")
	if !strings.Contains(logs.String(), "started: every 1s") && m.Err == "" {
		m.Err = "supervise did not start: " + lastLines(logs.String())
	}
	return m
}

// superviseSetup creates wg2 with its peers and the UCI tree naming them.
func superviseSetup(root string) error {
	rt, err := dialRtnl(0)
	if err != nil {
		return err
	}
	if err := rt.addWireGuard("wg2"); err != nil {
		return err
	}
	priv := fixedKey("wgowrt qemu wg2")
	port := 51830
	var uci strings.Builder
	fmt.Fprintf(&uci, "config interface 'wg2'\n\toption proto 'wireguard'\n\toption private_key '%s'\n\toption listen_port '%d'\n\n", priv, port)
	var pcs []wgtypes.PeerConfig
	for i := 0; i < supervisePeers; i++ {
		// Any 32 bytes are a peer key to the kernel; deriving real public
		// keys would cost 200 emulated Curve25519 multiplications.
		pub := fixedKey(fmt.Sprintf("wgowrt qemu peer %d", i))
		ip := net.IPv4(10, 20, byte(i/250), byte(i%250+1))
		pcs = append(pcs, wgtypes.PeerConfig{PublicKey: pub, AllowedIPs: []net.IPNet{{IP: ip, Mask: net.CIDRMask(32, 32)}}})
		fmt.Fprintf(&uci, "config wireguard_wg2 'p%d'\n\toption public_key '%s'\n\tlist allowed_ips '%s/32'\n", i, pub, ip)
		if i%2 == 0 {
			fmt.Fprintf(&uci, "\toption endpoint_host 'p%d.invalid'\n", i)
		} else {
			fmt.Fprintf(&uci, "\toption endpoint_host '192.0.2.%d'\n\toption endpoint_port '51820'\n", i%250+1)
		}
		uci.WriteString("\n")
	}
	wg, err := wgdev.Open()
	if err != nil {
		return err
	}
	defer wg.Close()
	if err := wg.ConfigureDevice("wg2", wgtypes.Config{PrivateKey: &priv, ListenPort: &port, ReplacePeers: true, Peers: pcs}); err != nil {
		return fmt.Errorf("configuring wg2: %w", err)
	}
	if err := os.MkdirAll(root+"/etc/config", 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(root+"/etc/config/network", []byte(uci.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(root+"/etc/config/firewall", nil, 0o644)
}

// procMem reads VmRSS, VmHWM, RssAnon and RssFile (kB) of pid.
func procMem(pid int) (rss, hwm, anon, file int) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		n, _ := strconv.Atoi(fs[1])
		switch fs[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			hwm = n
		case "RssAnon:":
			anon = n
		case "RssFile:":
			file = n
		}
	}
	return rss, hwm, anon, file
}

func lastLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > 5 {
		l = l[len(l)-5:]
	}
	return strings.Join(l, " | ")
}
