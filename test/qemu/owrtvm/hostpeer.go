package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clientConfig is what wg(8) needs of a wg-quick style client config, plus
// the tunnel address wg-quick would have set.
type clientConfig struct {
	WG        string // the config without wg-quick's own keys, for `wg setconf`
	Addresses []string
	Endpoint  string
}

// wgQuickOnly are the [Interface] keys wg-quick handles itself; wg(8)
// rejects them.
var wgQuickOnly = map[string]bool{"address": true, "dns": true, "mtu": true, "table": true,
	"preup": true, "postup": true, "predown": true, "postdown": true, "saveconfig": true}

// parseClientConfig reads the config `wgowrt peer add` printed.
func parseClientConfig(text string) (clientConfig, error) {
	var c clientConfig
	var b strings.Builder
	section := ""
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "[") {
			section = strings.ToLower(l)
			b.WriteString(l + "\n")
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			return c, fmt.Errorf("not a config line: %q", l)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if section == "[interface]" && k == "address" {
			for _, a := range strings.Split(v, ",") {
				c.Addresses = append(c.Addresses, strings.TrimSpace(a))
			}
		}
		if section == "[peer]" && k == "endpoint" {
			c.Endpoint = v
		}
		if section == "[interface]" && wgQuickOnly[k] {
			continue
		}
		b.WriteString(l + "\n")
	}
	if !strings.Contains(b.String(), "[Peer]") || len(c.Addresses) == 0 || c.Endpoint == "" {
		return c, fmt.Errorf("no [Peer], Address or Endpoint in:\n%s", text)
	}
	c.WG = b.String()
	return c, nil
}

// hostPeer is the phone on the host's side of QEMU's user-mode network: a
// WireGuard device in the driver's own network namespace (the tier runs the
// driver in a namespace of its own), kernel WireGuard when the host has it,
// else wireguard-go.
type hostPeer struct {
	Name   string
	Impl   string // "kernel" or "wireguard-go"
	dir    string
	wggo   *exec.Cmd
	PubKey string
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// startHostPeer creates the device NAME configured as cfg, with its
// IPv4 address and a route to router (the server's tunnel address).
func startHostPeer(name, wireguardGo string, cfg clientConfig, router string) (*hostPeer, error) {
	h := &hostPeer{Name: name}
	var err error
	if h.dir, err = os.MkdirTemp("", "owrtvm-peer"); err != nil {
		return nil, err
	}
	if _, kerr := run("ip", "link", "add", name, "type", "wireguard"); kerr == nil {
		h.Impl = "kernel"
	} else {
		if wireguardGo == "" {
			h.Close()
			return nil, fmt.Errorf("the host has no kernel WireGuard (%v) and no -wireguard-go was given", kerr)
		}
		h.Impl = "wireguard-go"
		h.wggo = exec.Command(wireguardGo, name)
		h.wggo.Env = append(os.Environ(), "WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=error")
		h.wggo.Stdout, h.wggo.Stderr = os.Stderr, os.Stderr
		dieWithParent(h.wggo)
		if err := h.wggo.Start(); err != nil {
			h.Close()
			return nil, err
		}
		sock := "/var/run/wireguard/" + name + ".sock"
		for i := 0; ; i++ {
			if _, err := os.Stat(sock); err == nil {
				break
			}
			if i == 100 {
				h.Close()
				return nil, fmt.Errorf("wireguard-go made no %s in 10 s", sock)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	conf := filepath.Join(h.dir, "phone.conf")
	if err := os.WriteFile(conf, []byte(cfg.WG), 0o600); err != nil {
		h.Close()
		return nil, err
	}
	steps := [][]string{{"wg", "setconf", name, conf}, {"ip", "link", "set", name, "up"}}
	for _, a := range cfg.Addresses {
		if !strings.Contains(a, ":") {
			steps = append(steps, []string{"ip", "addr", "add", a, "dev", name})
		}
	}
	steps = append(steps, []string{"ip", "route", "replace", router + "/32", "dev", name})
	for _, s := range steps {
		if _, err := run(s[0], s[1:]...); err != nil {
			h.Close()
			return nil, err
		}
	}
	out, err := run("wg", "show", name, "public-key")
	if err != nil {
		h.Close()
		return nil, err
	}
	h.PubKey = strings.TrimSpace(out)
	return h, nil
}

// LatestHandshake is the host side's view (unix seconds, 0 = never).
func (h *hostPeer) LatestHandshake() (int64, error) {
	out, err := run("wg", "show", h.Name, "latest-handshakes")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(out)
	if len(f) != 2 {
		return 0, fmt.Errorf("wg show %s latest-handshakes: %q", h.Name, out)
	}
	return strconv.ParseInt(f[1], 10, 64)
}

func (h *hostPeer) Close() {
	if h.wggo != nil && h.wggo.Process != nil {
		// SIGTERM lets wireguard-go remove its UAPI socket; a killed one
		// leaves /var/run/wireguard/NAME.sock behind, which other tools
		// then fail to dial. Its TUN device goes with the process.
		_ = h.wggo.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = h.wggo.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = h.wggo.Process.Kill()
			<-done
		}
		_ = os.Remove("/var/run/wireguard/" + h.Name + ".sock")
	} else {
		_, _ = run("ip", "link", "del", h.Name)
	}
	if h.dir != "" {
		os.RemoveAll(h.dir)
	}
}

// pinger streams pings (iputils ping) and records which were answered.
type pinger struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	replies map[int]bool
	summary string
	done    chan struct{}
}

var (
	replyRE = regexp.MustCompile(`icmp_seq=(\d+) ttl=`)
	sentRE  = regexp.MustCompile(`(\d+) packets transmitted`)
)

func startPinger(dst string, interval time.Duration) (*pinger, error) {
	p := &pinger{replies: map[int]bool{}, done: make(chan struct{})}
	p.cmd = exec.Command("ping", "-n", "-i", fmt.Sprintf("%.1f", interval.Seconds()), "-W", "2", dst)
	dieWithParent(p.cmd)
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.cmd.Stderr = os.Stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			l := sc.Text()
			p.mu.Lock()
			if m := replyRE.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				p.replies[n] = true
			} else if sentRE.MatchString(l) {
				p.summary = l
			}
			p.mu.Unlock()
		}
	}()
	return p, nil
}

// pingResult: Sent requests, Answered of them, Lost = unanswered ones
// except the very last request, which may still be in flight at the stop
// (InFlight says whether it was).
type pingResult struct {
	Sent, Answered, Lost int
	InFlight             bool
	LostSeqs             []int
}

// Stop interrupts ping, then counts.
func (p *pinger) Stop() (pingResult, error) {
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	<-p.done
	_ = p.cmd.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	m := sentRE.FindStringSubmatch(p.summary)
	if m == nil {
		return pingResult{}, errors.New("ping printed no summary")
	}
	sent, _ := strconv.Atoi(m[1])
	return countPings(sent, p.replies), nil
}

func countPings(sent int, replies map[int]bool) pingResult {
	r := pingResult{Sent: sent}
	for seq := 1; seq <= sent; seq++ {
		switch {
		case replies[seq]:
			r.Answered++
		case seq == sent:
			r.InFlight = true
		default:
			r.Lost++
			r.LostSeqs = append(r.LostSeqs, seq)
		}
	}
	return r
}
