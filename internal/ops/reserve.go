package ops

import (
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/store"
	"github.com/wgowrt/wgowrt/uci"
)

// reserve records what an answer to session hands LuCI (store.Reserve),
// still under the lock it was planned under: until LuCI has staged it,
// every other planner (a CLI command, another session) plans around its
// new sections' addresses, keys and subnets.
func (o *Ops) reserve(s *store.Store, session string, r *plan.Result) error {
	if s == nil {
		s = store.New(o.Root)
	}
	return s.Reserve(session, r.Packages())
}

// applyReserved puts the live reservations of every other session into
// session's state (store.Load does it for the plans of commands).
func (o *Ops) applyReserved(st plan.State, session string) {
	s := store.New(o.Root)
	for _, p := range []*uci.Package{st.Network, st.Firewall, st.Wgowrt} {
		if p != nil {
			s.ApplyReserved(p, session)
		}
	}
}
