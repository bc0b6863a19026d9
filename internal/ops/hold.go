package ops

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/uci"
)

// Held endpoints: how the supervisor brings a WireGuard interface up at
// boot with its good peers while another peer's endpoint name does not
// resolve yet.
//
// Both stock proto handlers (24.10's `wg setconf`, 25.12's `wg syncconf`)
// pass every peer to one `wg` run, which fails as a whole when one name
// does not resolve (and, while DNS is unreachable, first retries for about
// a minute); the handler then fails the interface, all peers with it
// (openwrt/openwrt#24511). The handlers read the peer sections with
// config_load, which is `uci -P /var/state export network`: the user's
// /etc/config/network plus the runtime deltas in /var/state/network, a
// tmpfs file OpenWrt's scripts have used for runtime state for years
// (netifd's `network.wg0.up='1'` lines are there too).
//
// So the supervisor holds a peer's endpoint back by writing one delta line
// there, `-network.SECTION.endpoint_host`: netifd's handler then sees the
// peer without an endpoint and the interface comes up with every peer
// (the held one without an endpoint, as if it were a roaming client);
// the supervisor sets the endpoint in the running device once the name
// resolves and removes the line. Nothing the user reads changes:
// `uci show network`, LuCI and /etc/config/network keep endpoint_host;
// only `uci -P /var/state show network` shows the hold. A hold never
// outlives a reboot (tmpfs), a killed supervisor finds its holds in the
// file and finishes them, and no flash write is made.

// heldOption is the option a hold removes.
const heldOption = "endpoint_host"

func (o *Ops) stateCtx() *uci.Context {
	return &uci.Context{ConfDir: o.Path("/etc/config"), SaveDir: o.Path("/var/state")}
}

// heldLine is the delta line of a hold on section sec.
func heldLine(sec string) string { return "-" + wg.PkgNetwork + "." + sec + "." + heldOption }

// HeldEndpoints lists the peer sections whose endpoint_host is held back
// from netifd (a hold line in /var/state/network).
func (o *Ops) HeldEndpoints() (map[string]bool, error) {
	o.sweepStateTemps()
	data, err := os.ReadFile(o.stateCtx().DeltaPath(wg.PkgNetwork))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(l, "-"+wg.PkgNetwork+"."); ok {
			if sec, ok := strings.CutSuffix(rest, "."+heldOption); ok && !strings.Contains(sec, ".") {
				out[sec] = true
			}
		}
	}
	return out, nil
}

// HoldEndpoint holds peer section sec's endpoint_host back from netifd
// (appends the hold line under the delta file's lock, as `uci -P
// /var/state delete` does); holding a held peer changes nothing.
func (o *Ops) HoldEndpoint(sec string) error {
	held, err := o.HeldEndpoints()
	if err != nil || held[sec] {
		return err
	}
	ctx := o.stateCtx()
	p, err := ctx.LoadFile(wg.PkgNetwork)
	if err != nil {
		return err
	}
	if s := p.Section(sec); s == nil || !strings.HasPrefix(s.Type, "wireguard_") {
		return fmt.Errorf("%s is not a WireGuard peer section", sec)
	}
	if err := p.Delete(uci.Ptr{Package: wg.PkgNetwork, Section: sec, Option: heldOption}); err != nil {
		return err
	}
	return ctx.Save(p)
}

// ReleaseEndpoint removes the hold on sec (every hold line of it, under
// the file's lock, through a renamed temporary file: a kill leaves the
// hold or none), so that the next setup by netifd uses endpoint_host again.
func (o *Ops) ReleaseEndpoint(sec string) error {
	line := []byte(heldLine(sec))
	return o.stateCtx().EditDelta(wg.PkgNetwork, func(data []byte) ([]byte, bool) {
		var out [][]byte
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if !bytes.Equal(bytes.TrimRight(l, "\n"), line) {
				out = append(out, l)
			}
		}
		kept := bytes.Join(out, nil)
		return kept, len(kept) != len(data)
	})
}

// IfaceState is what netifd says of iface: up, and autostart (it is to
// be kept up: set when it is brought up, cleared by ifdown). A failed
// setup that netifd retries is autostart and not up; meanwhile the device
// itself may exist (the handler creates it before configuring it).
func (o *Ops) IfaceState(iface string) (up, autostart bool, err error) {
	ls := o.live()
	if ls == nil || ls.Ubus == nil {
		return false, false, fmt.Errorf("no ubus")
	}
	raw, err := ls.Ubus.Call("network.interface."+iface, "status", nil)
	if err != nil {
		return false, false, err
	}
	var st struct {
		Up        bool `json:"up"`
		Autostart bool `json:"autostart"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		return false, false, err
	}
	return st.Up, st.Autostart, nil
}

// IfUp asks netifd to set iface up again (`ifup` without the restart).
func (o *Ops) IfUp(iface string) error {
	ls := o.live()
	if ls == nil || ls.Ubus == nil {
		return fmt.Errorf("no ubus")
	}
	_, err := ls.Ubus.Call("network.interface."+iface, "up", nil)
	return err
}

// sweepStateTemps removes the temporary file of a release killed before
// its rename (uci's replaceLocked names it .network.uci-*, and keeps it
// locked while it writes: a file nobody locks is a dead writer's).
func (o *Ops) sweepStateTemps() {
	tmps, _ := filepath.Glob(filepath.Join(o.Path("/var/state"), "."+wg.PkgNetwork+".uci-*"))
	for _, t := range tmps {
		f, err := os.Open(t)
		if err != nil {
			continue
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			os.Remove(t)
		}
		f.Close()
	}
}
