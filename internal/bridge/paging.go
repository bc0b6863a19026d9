package bridge

import (
	"encoding/json"
	"fmt"
	"github.com/wgowrt/wgowrt/internal/ops"
	"math"

	"github.com/wgowrt/wgowrt/internal/rpcd"
)

// status and peers answer in pages when a server has more peers than fit
// rpcd's buffer (240 KiB: about 700 dual-stack peers). offset and limit
// ask for one page of the peers — for status, those of the answered
// interfaces taken in order as one list — and the answer then says how
// many there are (total) and where the page starts (offset). Without
// them the answer is whole, as before paging existed, unless it would not
// fit: then it is the first page that does, with total, so a view that
// keeps asking while it has fewer than total gets them all.

// pagedArgs are the arguments of status and peers.
type pagedArgs struct {
	Iface  string   `json:"iface"`
	Offset rpcd.Int `json:"offset"`
	Limit  rpcd.Int `json:"limit"`
}

var pagedSignature = map[string]any{"iface": "", "offset": 32, "limit": 32}

// paging is what a paged answer adds.
type paging struct {
	Total  *int `json:"total,omitempty"`
	Offset *int `json:"offset,omitempty"`
}

// firstPage is the most peers a page answered unasked holds: about 85 KB
// of dual-stack peers, a third of rpcd's buffer.
const firstPage = 250

// page is a window of a peer list; on is false when none was asked for.
type page struct {
	on            bool
	offset, limit int
}

// decodePaged reads the arguments of status and peers.
func decodePaged(args json.RawMessage) (pagedArgs, ops.Txn, page, error) {
	var a pagedArgs
	txn, err := decode(args, &a)
	if err != nil {
		return a, txn, page{}, err
	}
	pg, err := a.page()
	return a, txn, pg, err
}

func (a pagedArgs) page() (page, error) {
	p := page{on: a.Offset.Set || a.Limit.Set, offset: a.Offset.Value, limit: a.Limit.Value}
	if p.offset < 0 {
		return p, rpcd.Errorf("offset", fmt.Sprint(p.offset), "offset %d is negative; the first peer is at 0", p.offset)
	}
	if !a.Limit.Set {
		p.limit = math.MaxInt
	} else if p.limit < 1 {
		return p, rpcd.Errorf("limit", fmt.Sprint(p.limit), "limit %d asks for no peers; give 1 or more (e.g. 250)", p.limit)
	}
	return p, nil
}

// window returns the bounds of the page in a list of n.
func (p page) window(n int) (lo, hi int) {
	lo = min(p.offset, n)
	return lo, lo + min(p.limit, n-lo)
}

// fitted is answer(pg); when no page was asked for and the whole answer
// would not fit rpcd's buffer, it is the first page that does.
func fitted(pg page, answer func(page) any) any {
	v := answer(pg)
	if pg.on || fits(v) {
		return v
	}
	for limit := firstPage; limit >= 1 && !fits(v); limit /= 2 {
		v = answer(page{on: true, limit: limit})
	}
	return v
}

// fits is measured with HTML escaping, which rpcd's encoder leaves out:
// an answer that fits here fits there.
func fits(v any) bool {
	b, err := json.Marshal(v)
	return err == nil && len(b) <= rpcd.Limit
}
