package ops

import "github.com/wgowrt/wgowrt/internal/plan"

// Adopt is `adopt IFACE`.
type Adopt struct {
	Txn
	Intent plan.AdoptIntent
}

// AdoptResult says what adopt found.
type AdoptResult struct {
	*Outcome
	Found plan.Adopted
}

// Adopt plans (and commits) taking over an interface wgowrt did not
// create. Only peer sections and wgowrt's notes change, so the apply
// pushes an empty peer diff: the tunnel keeps running untouched.
func (o *Ops) Adopt(req Adopt) (*AdoptResult, error) {
	res := &AdoptResult{}
	out, err := o.transact(req.Txn, func(st plan.State) (*plan.Result, string, error) {
		r, err := plan.Adopt(st, req.Intent)
		if err != nil {
			return nil, req.Intent.Iface, err
		}
		res.Found = r.Found
		return r.Result, req.Intent.Iface, nil
	}, nil)
	res.Outcome = out
	return res, err
}
