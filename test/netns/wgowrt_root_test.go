package netns

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// runLine runs, on router r, a command line printed by wgowrt
// ("wgowrt site add ...").
func runLine(t *testing.T, r *lab.Router, line string) string {
	t.Helper()
	words := strings.Fields(strings.TrimSpace(line))
	if len(words) == 0 || words[0] != "wgowrt" {
		t.Fatalf("not a wgowrt command line: %q", line)
	}
	return r.Wgowrt(words[1:]...)
}

// publicKey is the router's public key as `server show --json` reports it.
func publicKey(t *testing.T, r *lab.Router) string {
	t.Helper()
	var v struct {
		PublicKey string `json:"public_key"`
	}
	if err := json.Unmarshal([]byte(r.Wgowrt("--json", "server", "show")), &v); err != nil {
		t.Fatal(err)
	}
	return v.PublicKey
}

// eventuallyFor bounds a wait for traffic to pass. A sender whose session
// the other side does not hold (both ends initiating at once, a device
// re-created under it) starts a new handshake only once Keepalive-Timeout
// and Rekey-Timeout have passed without an answer (10 s + 5 s, WireGuard's
// protocol timers), so a shorter wait fails on a recovery WireGuard itself
// makes: seen in CI, and reproduced with both CPUs busy.
const eventuallyFor = 25 * time.Second

// eventually repeats probe until it reaches (the first packets of a
// tunnel may be spent on, or lost before, the WireGuard handshake) and
// then checks the address the far side saw.
func eventually(t *testing.T, what string, probe func() lab.Result, seenIP string) {
	t.Helper()
	deadline := time.Now().Add(eventuallyFor)
	r := probe()
	for r.Outcome != lab.Reached && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		r = probe()
	}
	expectReached(t, what, r, seenIP)
}

// routeLines returns the "ip route add ..." commands in wgowrt's output,
// without their trailing comments.
func routeLines(out string) [][]string {
	var cmds [][]string
	for _, l := range strings.Split(out, "\n") {
		l, _, _ = strings.Cut(l, "#")
		if f := strings.Fields(l); len(f) > 3 && f[0] == "ip" && f[1] == "route" {
			cmds = append(cmds, f)
		}
	}
	return cmds
}

// peerStates runs `wgowrt --json status` on the router (its own wgowrt,
// reading the running device) and returns each peer's state by name for
// the interface iface, which must be running.
func peerStates(t *testing.T, r *lab.Router, iface string) map[string]string {
	t.Helper()
	out := r.Wgowrt("--json", "status")
	var v struct {
		Interfaces []struct {
			Name    string
			Running bool
			Peers   []struct{ Name, State string }
		}
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	for _, i := range v.Interfaces {
		if i.Name != iface {
			continue
		}
		if !i.Running {
			t.Fatalf("status --json: %s not running:\n%s", iface, out)
		}
		st := map[string]string{}
		for _, p := range i.Peers {
			st[p.Name] = p.State
		}
		return st
	}
	t.Fatalf("status --json: no %s:\n%s", iface, out)
	return nil
}
