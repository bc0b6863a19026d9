package supervisor

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/syslog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/wgowrt/wgowrt/internal/ops"
)

// The supervisor's side effects on a router: syslog, `ubus listen` for
// wan events, `ubus send` and hotplug-call for its own events, signals.
//
// Why the ubus CLI rather than a Go ubus client: the supervisor only
// listens to one event type and sends a few events an hour, so a child
// `ubus listen` (about 1 MB, restarted if ubusd restarts) and a short-lived
// `ubus send` per event cost less code and resident memory than a
// wire-protocol client kept connected, and survive ubusd restarts the same
// way. The `wgowrt` ubus object (status, peers, …) is rpcd's exec plugin
// (/usr/libexec/rpcd/wgowrt): a second object of that name would clash,
// so the supervisor serves none and publishes events only.

// Main runs the service until SIGTERM: `wgowrt supervise`.
func Main(o *ops.Ops, opt ops.SuperviseOptions, stderr io.Writer) error {
	if opt.Boot {
		return BootMain(o, stderr)
	}
	limitMemory()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	log := Syslog(stderr)
	reload := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	wan := make(chan string, 1)
	go ListenWan(ctx, o.Path("/"), wan, log)
	n := NewNotifier(ctx, log)
	s := &Supervisor{Ops: o, Resolve: Resolve, Log: log, Notify: n.Notify, Interval: opt.Interval, Stale: opt.Stale, MaxBackoff: opt.MaxBackoff, DownAfter: opt.DownAfter, MetricsFile: opt.MetricsFile}
	log(fmt.Sprintf("started: every %s, re-resolving host names after %s without a handshake", orDefault(opt.Interval, DefaultInterval), orDefault(opt.Stale, DefaultStale)))
	err := s.Run(ctx, Signals{Wan: wan, Reload: reload})
	s.ReleaseAll()
	log("stopped")
	return err
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Syslog returns a one-line logger to syslog (logd's /dev/log, read with
// `logread -e wgowrt`), or to w when there is no syslog.
func Syslog(w io.Writer) func(string) {
	sl, err := syslog.New(syslog.LOG_INFO|syslog.LOG_DAEMON, "wgowrt")
	if err != nil {
		return func(l string) { fmt.Fprintln(w, "wgowrt: "+l) }
	}
	return func(l string) { _ = sl.Info(l) }
}

// ifaceEvent is one line of `ubus listen network.interface`.
type ifaceEvent struct {
	N struct {
		Action    string `json:"action"`
		Interface string `json:"interface"`
	} `json:"network.interface"`
}

// ListenWan runs `ubus listen network.interface` and sends the name of
// every interface that comes up or is updated (a DHCP renew, a PPPoE
// reconnect); it restarts the listener (ubusd restarted) after a pause.
func ListenWan(ctx context.Context, root string, out chan<- string, log func(string)) {
	for ctx.Err() == nil {
		err := listenOnce(ctx, out)
		if ctx.Err() != nil {
			return
		}
		log(fmt.Sprintf("ubus listen ended (%v); again in 10 s", err))
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
}

func listenOnce(ctx context.Context, out chan<- string) error {
	cmd := exec.CommandContext(ctx, "ubus", "listen", "network.interface")
	r, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if iface, ok := WanEvent(sc.Bytes()); ok {
			select {
			case out <- iface:
			default: // one pending wake-up is enough
			}
		}
	}
	return cmd.Wait()
}

// WanEvent reads one `ubus listen` line: the interface that came up or
// changed, if it is such an event.
func WanEvent(line []byte) (string, bool) {
	var e ifaceEvent
	if json.Unmarshal(line, &e) != nil || e.N.Interface == "" || e.N.Interface == "loopback" {
		return "", false
	}
	return e.N.Interface, e.N.Action == "ifup" || e.N.Action == "ifupdate"
}

// Notifier publishes events from one goroutine, in order, so a slow
// hotplug script delays later events instead of piling up processes; when
// 64 are waiting, new ones are dropped (and logged).
type Notifier struct {
	ch  chan Event
	log func(string)
}

// NewNotifier starts the publishing goroutine; it ends with ctx.
func NewNotifier(ctx context.Context, log func(string)) *Notifier {
	n := &Notifier{ch: make(chan Event, 64), log: log}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case e := <-n.ch:
				n.publish(ctx, e)
			}
		}
	}()
	return n
}

// Notify queues e.
func (n *Notifier) Notify(e Event) {
	select {
	case n.ch <- e:
	default:
		n.log("event queue full, dropped " + e.Name)
	}
}

// publish sends e as the ubus event wgowrt.NAME and runs
// /etc/hotplug.d/wgowrt/* with ACTION=NAME and the data as upper-case
// variables (INTERFACE, PEER, HOST, FROM, TO).
func (n *Notifier) publish(ctx context.Context, e Event) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(e.Data)
	if out, err := exec.CommandContext(ctx, "ubus", "send", "wgowrt."+e.Name, string(body)).CombinedOutput(); err != nil {
		n.log(fmt.Sprintf("ubus send wgowrt.%s: %v %s", e.Name, err, out))
	}
	hc, err := exec.LookPath("hotplug-call")
	if err != nil {
		return // not OpenWrt
	}
	cmd := exec.CommandContext(ctx, hc, "wgowrt")
	cmd.Env = append(os.Environ(), "ACTION="+e.Name)
	keys := make([]string, 0, len(e.Data))
	for k := range e.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, upper(k)+"="+e.Data[k])
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		n.log(fmt.Sprintf("hotplug-call wgowrt %s: %v %s", e.Name, err, out))
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Resolve looks host up with Go's resolver (no cache: /etc/hosts and
// resolv.conf are re-read), IPv4 addresses first: a router's wan has
// IPv4 more often than IPv6.
func Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	sort.SliceStable(addrs, func(i, j int) bool { return addrs[i].Unmap().Is4() && !addrs[j].Unmap().Is4() })
	return addrs, err
}
