// Package ops is wgowrt's operations layer: one function per use case
// (server init, peer add, client import, sync, status, …), each taking a
// typed request and returning a typed result. It owns the transaction —
// lock, recover an interrupted write, load with pending changes, plan
// (internal/plan, pure), preview or commit, apply through internal/system,
// deliver — so that every front-end (the command line, the rpcd bridge
// for LuCI, later an on-router service) runs the same steps. It parses no
// flags, prints nothing and speaks no JSON: front-ends translate.
//
// A new use case is a request type (with Txn when it writes), a result
// type (with *Outcome), and a method that runs transact with its plan
// function. A new front-end is a package that builds those requests and
// shows the results; list it in frontEnds (layers_test.go), which keeps
// front-ends from importing each other.
package ops

import (
	"crypto/rand"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgdev"
	"github.com/wgowrt/wgowrt/ubus"
)

// Deps are the side effects of the use cases besides the configuration
// files. Tests replace them.
type Deps struct {
	// Keys draws key material (crypto/rand on a router).
	Keys wg.KeySource
	// Live returns the running system to apply changes to, or nil when
	// there is none (with a --root prefix nothing is reloaded).
	Live func(root string) *Live
	// Devices opens the WireGuard device client (status, sync).
	Devices func() (wgdev.Client, error)
	// Now is the clock (handshake ages).
	Now func() time.Time
	// Getenv reads the environment ($SSH_CLIENT for the lockout guards).
	Getenv func(string) string
	// StartTimer starts what rolls a confirmed change back at its
	// deadline unless confirmed (StartTimer: a detached process).
	StartTimer func(root string, p *Pending) error
	// Probes are doctor's reads of the running router.
	Probes Probes
}

// Live is a running router: its ubus, its devices, its release.
type Live struct {
	Ubus    ubus.Caller
	Dev     func() (wgdev.Client, error)
	Release system.Release
	// Resolve looks up host-name endpoints (nil: left to netifd).
	Resolve func(string) (netip.Addr, error)
	// Links lists the network devices (nil: unknown).
	Links func() ([]net.Interface, error)
}

// Default are the real side effects; New copies them.
var Default = Deps{
	Keys: func() (b [wg.KeyLen]byte, err error) {
		_, err = io.ReadFull(rand.Reader, b[:])
		return b, err
	},
	Live: func(root string) *Live {
		if root != "" {
			return nil
		}
		return &Live{Ubus: &ubus.Exec{}, Dev: wgdev.Open, Release: system.DetectRelease("/"), Resolve: system.Resolve, Links: net.Interfaces}
	},
	Devices:    wgdev.Open,
	Now:        time.Now,
	Getenv:     os.Getenv,
	StartTimer: StartTimer,
	Probes:     RealProbes,
}

// Ops runs the use cases against one router's filesystem.
type Ops struct {
	// Root prefixes every system path ("" = /).
	Root string
	Deps Deps
	// LockWait is how long to wait for another wgowrt holding the lock.
	LockWait time.Duration
}

// New returns the operations on the filesystem under root, with the
// Default side effects.
func New(root string) *Ops { return &Ops{Root: root, Deps: Default, LockWait: DefaultLockWait} }

// Path returns a system path under the root prefix.
func (o *Ops) Path(p string) string {
	if o.Root == "" {
		return p
	}
	return filepath.Join(o.Root, p)
}

func (o *Ops) live() *Live { return o.Deps.Live(o.Root) }
