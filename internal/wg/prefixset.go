package wg

import (
	"net/netip"
	"sort"
)

// PrefixSet finds, among a list of prefixes, the first one (in list order)
// that overlaps a given prefix, in O(log n + address bits) per question
// instead of a scan of the list: checking thousands of routes against
// thousands of used prefixes stays near-linear.
//
// Two prefixes overlap when one contains the other. The prefixes that
// overlap p are those starting inside p (p contains them, or they start
// where p starts) and p's wider ancestors; the first are a range of the
// list sorted by start, answered by a sparse table of minimum list
// positions, the second are at most 129 lookups in a map.
type PrefixSet struct {
	ancestors map[netip.Prefix]int
	starts    []netip.Addr
	// minPos[k][i] is the smallest list position among sorted entries
	// i .. i+2^k-1.
	minPos [][]int32
}

// NewPrefixSet indexes ps; positions returned are indexes into ps.
func NewPrefixSet(ps []netip.Prefix) *PrefixSet {
	s := &PrefixSet{ancestors: make(map[netip.Prefix]int, len(ps))}
	order := make([]int32, len(ps))
	for i, p := range ps {
		order[i] = int32(i)
		m := p.Masked()
		if _, dup := s.ancestors[m]; !dup {
			s.ancestors[m] = i
		}
	}
	sort.SliceStable(order, func(a, b int) bool {
		return ps[order[a]].Masked().Addr().Less(ps[order[b]].Masked().Addr())
	})
	s.starts = make([]netip.Addr, len(ps))
	for i, o := range order {
		s.starts[i] = ps[o].Masked().Addr()
	}
	s.minPos = [][]int32{order}
	for w := 1; 2*w <= len(order); w *= 2 {
		prev := s.minPos[len(s.minPos)-1]
		next := make([]int32, len(prev)-w)
		for i := range next {
			next[i] = min(prev[i], prev[i+w])
		}
		s.minPos = append(s.minPos, next)
	}
	return s
}

// First returns the list position of the first prefix overlapping p.
func (s *PrefixSet) First(p netip.Prefix) (int, bool) {
	if !p.IsValid() {
		return 0, false
	}
	p = p.Masked()
	best := -1
	for b := p.Bits(); b >= 0; b-- {
		if i, ok := s.ancestors[netip.PrefixFrom(p.Addr(), b).Masked()]; ok && (best < 0 || i < best) {
			best = i
		}
	}
	lo := sort.Search(len(s.starts), func(i int) bool { return !s.starts[i].Less(p.Addr()) })
	last := LastAddr(p)
	hi := sort.Search(len(s.starts), func(i int) bool { return last.Less(s.starts[i]) })
	if lo < hi {
		if m := s.rangeMin(lo, hi); best < 0 || m < best {
			best = m
		}
	}
	return best, best >= 0
}

// rangeMin is the smallest list position among sorted entries [lo, hi).
func (s *PrefixSet) rangeMin(lo, hi int) int {
	k := 0
	for 1<<(k+1) <= hi-lo {
		k++
	}
	return int(min(s.minPos[k][lo], s.minPos[k][hi-1<<k]))
}

// LastAddr is the last address of prefix p.
func LastAddr(p netip.Prefix) netip.Addr {
	p = p.Masked()
	if p.Addr().Is4() {
		b := p.Addr().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if p.Bits() < 32 {
			v |= ^uint32(0) >> p.Bits()
		}
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	hi, lo := halves(p.Addr())
	switch n := p.Bits(); {
	case n < 64:
		hi |= ^uint64(0) >> n
		lo = ^uint64(0)
	case n < 128:
		lo |= ^uint64(0) >> (n - 64)
	}
	return fromHalves(hi, lo)
}

// Index returns u indexed for Overlaps-like questions (PrefixSet.First):
// use it when asking about many prefixes.
func (u Used) Index() *PrefixSet { return NewPrefixSet(u) }
