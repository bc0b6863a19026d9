package cli

import (
	"net"
	"os"

	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/internal/system"
	"github.com/wgowrt/wgowrt/uci"
)

// liveEnv reads the environment for the live facts ($SSH_CLIENT); tests
// replace it.
var liveEnv = os.Getenv

// liveFacts gathers what the running router and the SSH session tell
// beyond the files. With --root there is no running router: only the
// files (dropbear, uhttpd) and $SSH_CLIENT count.
func liveFacts(env *Env) plan.Live {
	src := system.LiveSource{Getenv: liveEnv, Load: func(name string) (*uci.Package, error) {
		return store.New(env.Root).Load(name, true)
	}}
	if ls := deps.live(env); ls != nil {
		src.Ubus, src.Links = ls.ubus, net.Interfaces
	}
	return system.GatherLive(src)
}
