package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/test/qemu/serial"
)

// Config is what the session needs to know and how long each part may take.
type Config struct {
	PkgVersion  string        // the .ipk's Version, e.g. 1.2.3-r1
	BootTimeout time.Duration // power-on to "Please press Enter"
	StepTimeout time.Duration // each shell command
	WgWait      int           // seconds to wait for wg0 before and after ifup
	Say         func(format string, a ...any)
}

// Report is what the session observed on the router.
type Report struct {
	MissingDeps []string // of wgowrtDeps, not installed in the image
	FromFeed    []string // .ipk files installed from WGOWRT_OPENWRT_FEED
	IfupNeeded  bool     // wg0 was not up after server init and needed ifup
	PeerKey     string   // phone's public key, as status and wg show agree
}

// wgowrtDeps are the package's run-time dependencies (package/Makefile).
var wgowrtDeps = []string{"kmod-wireguard", "wireguard-tools"}

const (
	pressEnter = "Please press Enter to activate this console."
	diskDir    = "/tmp/wgowrt"
)

var promptRE = regexp.MustCompile(`[a-z_][a-z0-9_-]*@[^\s:]+:[^\r\n]*# `)

// Session runs shell commands on the console (serial.Shell with this
// driver's step timeout and reporter).
type Session struct {
	c   *Console
	cfg Config
	sh  *serial.Shell
}

func (s *Session) shell() *serial.Shell {
	if s.sh == nil {
		s.sh = &serial.Shell{C: s.c, Timeout: s.cfg.StepTimeout, Say: s.cfg.Say}
	}
	return s.sh
}

// Run types cmd, waits for its end marker and returns its output (without
// \r, trimmed) and exit status.
func (s *Session) Run(step, cmd string) (string, int, error) { return s.shell().Run(step, cmd) }

// Must runs cmd and fails the step unless it exits 0.
func (s *Session) Must(step, cmd string) (string, error) { return s.shell().Must(step, cmd) }

func fail(step, format string, a ...any) error {
	return &StepError{Step: step, Msg: fmt.Sprintf(format, a...)}
}

// Drive boots to a shell, installs the package and runs the README's quick
// start, checking each result; it ends with poweroff.
func Drive(c *Console, cfg Config) (*Report, error) {
	if cfg.Say == nil {
		cfg.Say = func(string, ...any) {}
	}
	s := &Session{c: c, cfg: cfg}
	r := &Report{}
	ok := func(format string, a ...any) { cfg.Say("ok   "+format, a...) }

	if _, err := c.Expect("boot", regexp.MustCompile(regexp.QuoteMeta(pressEnter)), cfg.BootTimeout); err != nil {
		return r, err
	}
	if err := c.Send("\n"); err != nil {
		return r, &StepError{Step: "activate console", Msg: err.Error()}
	}
	if _, err := c.Expect("activate console", promptRE, cfg.StepTimeout); err != nil {
		return r, err
	}
	ok("booted to a root shell")

	// Kernel messages on the console would split the markers' lines.
	if _, err := s.Must("quiet kernel log", "dmesg -n 1"); err != nil {
		return r, err
	}
	if _, err := s.Must("wait for netifd", "ubus -t 120 wait_for network.interface.lan"); err != nil {
		return r, err
	}

	// The package disk: a plain tar on the second drive (virtio: vdb, IDE/SATA: sdb).
	out, err := s.Must("unpack package disk", "mkdir -p "+diskDir+"; for d in /dev/vdb /dev/sdb; do [ -b $d ] && tar -xf $d -C "+diskDir+" 2>/dev/null && [ -f "+diskDir+"/WGOWRT-DISK ] && break; done; [ -f "+diskDir+"/WGOWRT-DISK ] && find "+diskDir+" -name '*.ipk' | sort")
	if err != nil {
		return r, err
	}
	var ipk string
	for _, f := range strings.Fields(out) {
		switch {
		case strings.HasPrefix(f, diskDir+"/feed/"):
			r.FromFeed = append(r.FromFeed, f)
		case strings.HasPrefix(f, diskDir+"/wgowrt_"+cfg.PkgVersion+"_"):
			ipk = f
		}
	}
	if ipk == "" {
		return r, fail("unpack package disk", "no %s/wgowrt_%s_*.ipk on the package disk; found:\n%s", diskDir, cfg.PkgVersion, out)
	}
	ok("package disk: %s (+%d feed packages)", ipk, len(r.FromFeed))

	out, err = s.Must("check dependencies", "opkg list-installed")
	if err != nil {
		return r, err
	}
	installed := parseInstalled(out)
	for _, d := range wgowrtDeps {
		if _, ok := installed[d]; !ok {
			r.MissingDeps = append(r.MissingDeps, d)
		}
	}
	install := "opkg install " + ipk
	switch {
	case len(r.MissingDeps) == 0:
		ok("image has %s", strings.Join(wgowrtDeps, ", "))
	case len(r.FromFeed) > 0:
		cfg.Say("     image lacks %s: installing them from WGOWRT_OPENWRT_FEED", strings.Join(r.MissingDeps, ", "))
		install = "opkg install " + strings.Join(r.FromFeed, " ") + " " + ipk
	default:
		return r, fail("check dependencies", "the image lacks %s, which wgowrt depends on (never installed with --nodeps): "+
			"use an image that has them (e.g. Image Builder: make image PACKAGES=\"kmod-wireguard wireguard-tools\") "+
			"or set WGOWRT_OPENWRT_FEED to a directory with their .ipk files for this image's kernel",
			strings.Join(r.MissingDeps, ", "))
	}
	if _, err := s.Must("opkg install", install); err != nil {
		return r, err
	}
	out, err = s.Must("opkg list-installed wgowrt", "opkg list-installed wgowrt")
	if err != nil {
		return r, err
	}
	if v := parseInstalled(out)["wgowrt"]; v != cfg.PkgVersion {
		return r, fail("opkg list-installed wgowrt", "installed version %q, want %q", v, cfg.PkgVersion)
	}
	ok("opkg installed wgowrt %s", cfg.PkgVersion)
	for _, d := range r.MissingDeps {
		if _, err := s.Must("dependency installed", "opkg list-installed "+d+" | grep -q ."); err != nil {
			return r, err
		}
	}

	out, err = s.Must("wgowrt --version", "wgowrt --version")
	if err != nil {
		return r, err
	}
	want := cfg.PkgVersion // the binary's version is the package's without -rN
	if i := strings.LastIndex(want, "-r"); i >= 0 {
		want = want[:i]
	}
	want = "wgowrt " + want
	if out != want {
		return r, fail("wgowrt --version", "printed %q, want %q", out, want)
	}
	ok("%s", out)

	// The README's "On a router" quick start.
	if _, err := s.Must("server init", "wgowrt server init --endpoint vpn.example.org"); err != nil {
		return r, err
	}
	if _, err := s.Must("peer add", "wgowrt peer add phone"); err != nil {
		return r, err
	}
	if _, err := s.Must("network config", "grep -q \"proto 'wireguard'\" /etc/config/network"); err != nil {
		return r, err
	}
	ok("quick start: server init, peer add phone; /etc/config/network has proto 'wireguard'")

	w := strconv.Itoa(cfg.WgWait)
	out, err = s.Must("wg0 up", "i=0; while [ ! -d /sys/class/net/wg0 ] && [ $i -lt "+w+" ]; do sleep 1; i=$((i+1)); done; "+
		"[ -d /sys/class/net/wg0 ] || { echo IFUP-NEEDED; ifup wg0; i=0; while [ ! -d /sys/class/net/wg0 ] && [ $i -lt "+w+" ]; do sleep 1; i=$((i+1)); done; }; "+
		"[ -d /sys/class/net/wg0 ] && { ip link show wg0 2>/dev/null || echo 'wg0: in /sys/class/net (no ip command)'; }")
	if err != nil {
		return r, err
	}
	r.IfupNeeded = strings.Contains(out, "IFUP-NEEDED")
	if !strings.Contains(out, "wg0:") {
		return r, fail("wg0 up", "`ip link show wg0` printed no wg0 link:\n%s", out)
	}
	ok("wg0 exists (ifup needed: %v)", r.IfupNeeded)

	peers, err := s.Must("wg show", "wg show wg0 peers")
	if err != nil {
		return r, err
	}
	out, err = s.Must("status --json", "wgowrt --json status")
	if err != nil {
		return r, err
	}
	key, err := checkStatus(out)
	if err != nil {
		return r, fail("status --json", "%v:\n%s", err, out)
	}
	if !strings.Contains(peers, key) {
		return r, fail("wg show", "kernel device wg0 lacks phone's key %s; its peers:\n%s", key, peers)
	}
	r.PeerKey = key
	ok("status --json: wg0 running, peer phone %s live in the kernel", key)

	if err := c.Send("poweroff\n"); err != nil {
		return r, &StepError{Step: "poweroff", Msg: err.Error()}
	}
	// qemu may exit (closing the console) before the kernel's last line is read.
	if _, err := c.Expect("poweroff", regexp.MustCompile(`reboot: Power down`), cfg.StepTimeout); err != nil && !c.Closed() {
		return r, err
	}
	ok("powered off")
	return r, nil
}

// parseInstalled reads `opkg list-installed` lines: "name - version".
func parseInstalled(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 3 && f[1] == "-" {
			m[f[0]] = f[2]
		}
	}
	return m
}

// checkStatus wants wg0 running with peer phone present in the device; it
// returns phone's public key.
func checkStatus(out string) (string, error) {
	var st struct {
		Interfaces []struct {
			Name    string `json:"name"`
			Running bool   `json:"running"`
			Peers   []struct {
				Name      string `json:"name"`
				PublicKey string `json:"public_key"`
				State     string `json:"state"`
			} `json:"peers"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return "", fmt.Errorf("not JSON: %v", err)
	}
	for _, i := range st.Interfaces {
		if i.Name != "wg0" {
			continue
		}
		if !i.Running {
			return "", fmt.Errorf("wg0 not running")
		}
		for _, p := range i.Peers {
			if p.Name == "phone" {
				if p.State == "absent" || p.PublicKey == "" {
					return "", fmt.Errorf("peer phone is in UCI but not in the running device (state %q)", p.State)
				}
				return p.PublicKey, nil
			}
		}
		return "", fmt.Errorf("wg0 has no peer phone")
	}
	return "", fmt.Errorf("no interface wg0")
}
