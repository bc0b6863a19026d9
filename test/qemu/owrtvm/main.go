// Command owrtvm drives the OpenWrt VM tier (test/qemu/owrt-vm.sh): it boots
// the oracle's OpenWrt root filesystem (procd as init) on a Debian kernel
// under qemu, works its serial console, and plays the phone on the host
// side of QEMU's user-mode network.
//
//	owrtvm -log FILE -pkgversion V [-wireguard-go PATH] -- qemu-system-x86_64 ARGS...
//
// In the guest: opkg installs wgowrt from the feed in the initramfs, the
// README's quick start runs, netifd brings wg0 up as kernel WireGuard. On
// the host: the phone's client config, as `wgowrt peer add phone` printed
// it, configures a WireGuard device here that handshakes through qemu's
// hostfwd (UDP 127.0.0.1:51820 -> the router's wan) and streams pings to the
// router's tunnel address while a second peer is added, changed and
// removed with wgowrt; no ping may be lost and the phone's handshake must
// stay the same. Run it in a network namespace of its own (the tier does):
// the hostfwd port, the phone's device and its traffic stay in there.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wgowrt/wgowrt/test/qemu/serial"
)

type config struct {
	PkgVersion  string
	WireguardGo string
	Boot, Step  time.Duration
	Say         func(format string, a ...any)
}

func main() {
	logPath := flag.String("log", "", "console log file (required)")
	pkgVersion := flag.String("pkgversion", "", "the .ipk's Version field (required)")
	wggo := flag.String("wireguard-go", "", "wireguard-go for the phone when the host has no kernel WireGuard")
	boot := flag.Duration("boot-timeout", 5*time.Minute, "power-on to the end of procd's boot")
	step := flag.Duration("step-timeout", 2*time.Minute, "each command on the console")
	flag.Parse()
	if *logPath == "" || *pkgVersion == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: owrtvm -log FILE -pkgversion V [flags] -- qemu-system-x86_64 ARGS")
		os.Exit(2)
	}
	cfg := config{PkgVersion: *pkgVersion, WireguardGo: *wggo, Boot: *boot, Step: *step}
	if err := runVM(*logPath, cfg, flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "FAIL %v\n(console log: %s)\n", err, *logPath)
		os.Exit(1)
	}
}

func runVM(logPath string, cfg config, qemu []string) error {
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	start := time.Now()
	cfg.Say = func(format string, a ...any) {
		fmt.Printf(format+"\n", a...)
		fmt.Fprintf(log, "\n[owrtvm %5.1fs] "+format+"\n", append([]any{time.Since(start).Seconds()}, a...)...)
	}
	cmd := exec.Command(qemu[0], qemu[1:]...)
	dieWithParent(cmd)
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		pw.CloseWithError(fmt.Errorf("qemu exited: %v", err))
		exited <- err
	}()
	c := serial.NewConsole(pr, in, log)
	if derr := drive(c, cfg, start); derr != nil {
		_ = cmd.Process.Kill()
		<-exited
		return derr
	}
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("qemu after poweroff: %v", err)
		}
	case <-time.After(cfg.Step):
		_ = cmd.Process.Kill()
		<-exited
		return errors.New("qemu did not exit after poweroff")
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	cfg.Say("ok   OpenWrt VM session done in %s; qemu used %.0f s of CPU", time.Since(start).Round(time.Second), cpu.Seconds())
	return nil
}

func fail(step, format string, a ...any) error {
	return &serial.StepError{Step: step, Msg: fmt.Sprintf(format, a...)}
}

var promptRE = regexp.MustCompile(`[a-z_][a-z0-9_-]*@[^\s:]+:[^\r\n]*# `)

const feedDir = "/wgowrt-feed" // in the initramfs: Packages, Packages.gz, the .ipk

// drive is the whole session; it ends with poweroff.
func drive(c *serial.Console, cfg config, start time.Time) error {
	sh := &serial.Shell{C: c, Timeout: cfg.Step, Say: cfg.Say}
	ok := func(format string, a ...any) { cfg.Say("ok   "+format, a...) }
	since := func() string { return time.Since(start).Round(100 * time.Millisecond).String() }

	if _, err := c.Expect("boot", regexp.MustCompile(`Please press Enter to activate this console\.`), cfg.Boot); err != nil {
		return err
	}
	if err := c.Send("\n"); err != nil {
		return fail("activate console", "%v", err)
	}
	if _, err := c.Expect("activate console", promptRE, cfg.Step); err != nil {
		return err
	}
	ok("console shell at %s", since())
	// Kernel messages on the console would split the markers' lines.
	if _, err := sh.Must("quiet kernel log", "dmesg -n 1"); err != nil {
		return err
	}
	// procd logs "- init complete -" once rcS S boot has run every START script.
	if _, err := sh.MustFor("boot complete", waitFor(int(cfg.Boot.Seconds()), "logread 2>/dev/null | grep -q 'procd: - init complete -'"), cfg.Boot); err != nil {
		return err
	}
	ok("procd: init complete at %s", since())
	// The boot's log, for the console log (and anyone reading it after a failure).
	if _, err := sh.Must("boot log", "cat /proc/uptime; logread"); err != nil {
		return err
	}

	// The kernel's WireGuard, loaded by kmodloader from /etc/modules.d like
	// kmod-wireguard on a router, and netifd's wan (DHCP from qemu).
	if _, err := sh.Must("kernel modules", "grep -q '^wireguard ' /proc/modules && grep -q '^nf_tables ' /proc/modules"); err != nil {
		return err
	}
	if _, err := sh.Must("wan up", waitFor(60, `[ "$(ifstatus wan | jsonfilter -e '@.up')" = true ]`)+" && ifstatus wan | jsonfilter -e '@[\"ipv4-address\"][0].address'"); err != nil {
		return err
	}
	ok("wireguard and nf_tables loaded; wan up (DHCP)")

	// opkg from our feed, as a router with a custom feed would.
	if _, err := sh.Must("add feed", "echo 'src/gz wgowrt file://"+feedDir+"' >>/etc/opkg/customfeeds.conf && opkg update"); err != nil {
		return err
	}
	if _, err := sh.Must("opkg install", "opkg install wgowrt"); err != nil {
		return err
	}
	out, err := sh.Must("opkg list-installed", "opkg list-installed wgowrt")
	if err != nil {
		return err
	}
	if want := "wgowrt - " + cfg.PkgVersion; out != want {
		return fail("opkg list-installed", "got %q, want %q", out, want)
	}
	version := cfg.PkgVersion
	if i := strings.LastIndex(version, "-r"); i >= 0 {
		version = version[:i]
	}
	if out, err = sh.Must("wgowrt --version", "wgowrt --version"); err != nil {
		return err
	}
	if out != "wgowrt "+version {
		return fail("wgowrt --version", "printed %q, want %q", out, "wgowrt "+version)
	}
	// default_postinst enabled and started the package's service (procd
	// instance "supervise").
	if _, err := sh.Must("service", "/etc/init.d/wgowrt enabled && "+waitFor(30,
		`[ "$(ubus call service list '{"name":"wgowrt"}' | jsonfilter -e '@.wgowrt.instances.supervise.running')" = true ]`)); err != nil {
		return err
	}
	ok("opkg installed wgowrt %s from the feed; its service is enabled and running", cfg.PkgVersion)

	// The README's quick start; the endpoint is where the phone reaches the
	// router: qemu forwards 127.0.0.1:51820 (in this namespace) to its wan.
	if _, err := sh.Must("server init", "wgowrt server init --endpoint 127.0.0.1"); err != nil {
		return err
	}
	// The client config is stdout; notes go to stderr, which the console
	// would mix in: shown apart.
	// netifd sets wg0 up in the background after server init's reload. Its
	// wireguard.sh reads UCI (config_load) before `ip link add` and ends with
	// `wg syncconf`: a peer committed while it runs is missed by the handler
	// and either not pushed by wgowrt (no device yet: "its peers apply when
	// netifd brings it up") or pushed and then removed by syncconf. Seen here
	// under TCG (phone never reached the kernel). A person typing the next
	// command is slower than the handler; this waits as they would.
	if _, err := sh.Must("wg0 up", waitFor(60, `[ "$(ifstatus wg0 | jsonfilter -e '@.up')" = true ]`)); err != nil {
		return err
	}
	phoneConf, err := sh.Must("peer add phone", "wgowrt peer add phone 2>/tmp/peer-add.err")
	if err != nil {
		return err
	}
	if note, err := sh.Must("peer add phone (stderr)", "cat /tmp/peer-add.err"); err != nil {
		return err
	} else if note != "" {
		cfg.Say("     wgowrt said: %s", note)
	}
	phone, err := parseClientConfig(phoneConf)
	if err != nil {
		return fail("peer add phone", "%v", err)
	}
	ok("quick start: server init, peer add phone (endpoint %s)", phone.Endpoint)

	// netifd's wireguard proto handler made wg0 with the kernel's driver:
	// link kind wireguard, no wireguard-go UAPI socket.
	if out, err = sh.Must("kernel wg0", "ip -d link show wg0 | grep -o 'wireguard' | head -n1; ls /var/run/wireguard 2>/dev/null | wc -l; pgrep wireguard-go | wc -l"); err != nil {
		return err
	}
	if f := strings.Fields(out); len(f) != 3 || f[0] != "wireguard" || f[1] != "0" || f[2] != "0" {
		return fail("kernel wg0", "wg0 is not kernel WireGuard (want link kind wireguard, no UAPI socket, no wireguard-go):\n%s", out)
	}
	router, err := sh.Must("router address", "ip -4 -o addr show dev wg0 | awk '{print $4}' | cut -d/ -f1")
	if err != nil {
		return err
	}
	if net := strings.Fields(router); len(net) != 1 {
		return fail("router address", "wg0 has no single IPv4 address: %q", router)
	}
	ok("netifd brought up wg0 as kernel WireGuard, %s", router)
	// fw4 opened the port on wan (the phone's packets arrive there).
	if _, err := sh.Must("firewall rule", waitFor(60, "nft list chain inet fw4 input_wan | grep -q 'Allow-WireGuard-wg0'")); err != nil {
		return err
	}

	// The phone, on the host.
	name := fmt.Sprintf("wgvm%d", os.Getpid()%1000000)
	hp, err := startHostPeer(name, cfg.WireguardGo, phone, router)
	if err != nil {
		return fail("host peer", "%v", err)
	}
	defer hp.Close()
	ok("host peer %s (%s WireGuard) from phone's config", name, hp.Impl)
	if _, err := sh.Must("phone in wg0", "wg show wg0 peers | grep -qx '"+hp.PubKey+"'"); err != nil {
		return fail("phone in wg0", "phone's key %s is not among the kernel's peers of wg0", hp.PubKey)
	}
	if _, err := exec.Command("sh", "-c", "for i in $(seq 30); do ping -n -c1 -W1 "+router+" >/dev/null && exit 0; done; exit 1").CombinedOutput(); err != nil {
		host, _ := run("wg", "show", name)
		guest, _, _ := sh.Run("handshake (router's view)", "wg show wg0; logread -e netifd | tail -n 15")
		return fail("handshake", "no ping answer from %s through the tunnel in 30 tries\n--- host: wg show %s\n%s\n--- router: wg show wg0\n%s", router, name, host, guest)
	}
	hsHost, err := hp.LatestHandshake()
	if err != nil || hsHost == 0 {
		return fail("handshake", "host side latest handshake %d (%v)", hsHost, err)
	}
	hs0, err := routerHandshake(sh, hp.PubKey)
	if err != nil {
		return err
	}
	if hs0 == 0 {
		return fail("handshake", "the router's wg0 has no handshake with phone %s", hp.PubKey)
	}
	out, err = sh.Must("status --json", "wgowrt --json status")
	if err != nil {
		return err
	}
	if err := checkStatus(out, "phone", hp.PubKey); err != nil {
		return fail("status --json", "%v:\n%s", err, out)
	}
	ok("phone handshook from the host (router's latest-handshake %d), pings answered; wgowrt status (netlink): phone active", hs0)

	// Hitless: while the phone streams pings, a second peer comes and goes.
	pg, err := startPinger(router, 200*time.Millisecond)
	if err != nil {
		return fail("pings", "%v", err)
	}
	defer func() { _ = pg.cmd.Process.Kill() }()
	t0 := time.Now()
	time.Sleep(2 * time.Second)
	// Each change, then its effect on the running router: the kernel's peer
	// list (pushed over generic netlink) or fw4's ruleset (reloaded by procd
	// after wgowrt's config.change event).
	type change struct{ step, cmd, check string }
	peers := func(n int) string { return fmt.Sprintf("wg show wg0 peers | wc -l | grep -qx %d", n) }
	nft := func(present bool, comment string) string {
		c := "nft list ruleset | grep -q '" + comment + "'"
		if !present {
			c = "! { " + c + "; }"
		}
		return waitFor(60, c)
	}
	changes := []change{
		{"add laptop", "wgowrt peer add laptop >/dev/null", peers(2)},
		{"laptop masquerade", "wgowrt access laptop masquerade", nft(true, "Masq-laptop-to-lan")},
		{"disable laptop", "wgowrt peer disable laptop", peers(1)},
		{"enable laptop", "wgowrt peer enable laptop", peers(2)},
		{"rename laptop", "wgowrt peer rename laptop tablet", "wgowrt peer list | grep -q tablet"},
		{"remove tablet", "wgowrt peer remove tablet", peers(1) + " && " + nft(false, "Masq-")},
	}
	for _, ch := range changes {
		t := time.Now()
		if _, err := sh.Must(ch.step, ch.cmd+" && "+ch.check); err != nil {
			return err
		}
		ok("%s: %s (%.1f s)", ch.step, ch.cmd, time.Since(t).Seconds())
	}
	if _, err := sh.Must("phone still there", "wg show wg0 peers | grep -qx '"+hp.PubKey+"'"); err != nil {
		return err
	}
	// Anything a change set off late (a reload) falls in the stream too.
	time.Sleep(5 * time.Second)
	res, err := pg.Stop()
	if err != nil {
		return fail("pings", "%v", err)
	}
	window := time.Since(t0)
	hs1, err := routerHandshake(sh, hp.PubKey)
	if err != nil {
		return err
	}
	hsHost1, _ := hp.LatestHandshake()
	cfg.Say("HITLESS pings sent=%d answered=%d lost=%d (last in flight at stop: %v) over %.1f s; phone latest-handshake router %d -> %d, host %d -> %d",
		res.Sent, res.Answered, res.Lost, res.InFlight, window.Seconds(), hs0, hs1, hsHost, hsHost1)
	if res.Lost != 0 {
		return fail("hitless", "%d of %d pings lost (icmp_seq %v) while a peer was added, changed and removed", res.Lost, res.Sent, res.LostSeqs)
	}
	if res.Answered < 10 {
		return fail("hitless", "only %d pings answered: the stream did not run", res.Answered)
	}
	if hs1 != hs0 {
		// WireGuard itself renews a session 120 s after its handshake
		// (REKEY_AFTER_TIME): past that, a new handshake proves nothing.
		if age := time.Now().Unix() - hsHost; age >= 115 {
			return fail("hitless", "phone's latest-handshake changed %d -> %d, but %d s after the first one a rekey is due anyway: the run was too slow to tell", hs0, hs1, age)
		}
		return fail("hitless", "phone's latest-handshake changed %d -> %d: its session was restarted", hs0, hs1)
	}
	ok("hitless on kernel WireGuard: %d pings, 0 lost, phone's handshake unchanged (%d)", res.Sent, hs0)

	// opkg remove: default_prerm stops and disables the service; the
	// tunnel wgowrt configured stays (it is netifd's).
	if _, err := sh.Must("opkg remove", "opkg remove wgowrt && [ ! -e /usr/sbin/wgowrt ] && [ ! -e /etc/init.d/wgowrt ] && "+
		waitFor(30, `[ "$(ubus call service list '{"name":"wgowrt"}' | jsonfilter -e '@.wgowrt.instances.supervise.running')" != true ]`)+
		" && ! pgrep -f 'wgowrt supervise' >/dev/null && wg show wg0 peers | grep -qx '"+hp.PubKey+"'"); err != nil {
		return err
	}
	ok("opkg remove wgowrt: binary and service gone, wg0 and phone still up")

	if err := c.Send("poweroff\n"); err != nil {
		return fail("poweroff", "%v", err)
	}
	// qemu may exit (closing the console) before the kernel's last line is read.
	if _, err := c.Expect("poweroff", regexp.MustCompile(`reboot: Power down`), cfg.Step); err != nil && !c.Closed() {
		return err
	}
	ok("powered off")
	return nil
}

// waitFor is a shell loop: COND every second, at most N times (in a
// subshell, so giving up cannot end the console's shell).
func waitFor(n int, cond string) string {
	return fmt.Sprintf("(i=0; until %s; do i=$((i+1)); [ $i -ge %d ] && exit 1; sleep 1; done)", cond, n)
}

// routerHandshake is the router's latest-handshake with key (unix seconds).
func routerHandshake(sh *serial.Shell, key string) (int64, error) {
	out, err := sh.Must("latest-handshakes", "wg show wg0 latest-handshakes")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == key {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fail("latest-handshakes", "no peer %s on the router's wg0:\n%s", key, out)
}
