package wg

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParsePrefix reads a CIDR such as 10.8.0.0/24 and returns it masked.
func ParsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(strings.TrimSpace(s))
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a CIDR (e.g. 10.8.0.0/24 or fd00:8::/64)", s)
	}
	return p.Masked(), nil
}

// ParseAddrPrefix reads an address with or without a length, as netifd
// reads `addresses` and `allowed_ips`: no length means a host (/32, /128).
// The address is kept unmasked.
func ParseAddrPrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Host returns a as a single-address prefix.
func Host(a netip.Addr) netip.Prefix { return netip.PrefixFrom(a, a.BitLen()) }

// MaskToBits converts a dotted IPv4 netmask to a prefix length.
func MaskToBits(mask string) (int, bool) {
	a, err := netip.ParseAddr(mask)
	if err != nil || !a.Is4() {
		return 0, false
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&0x80000000 != 0 {
		n++
		v <<= 1
	}
	if v != 0 {
		return 0, false
	}
	return n, true
}

// Used is the address space already taken on a router.
type Used []netip.Prefix

// Overlaps returns the first used prefix p overlaps.
func (u Used) Overlaps(p netip.Prefix) (netip.Prefix, bool) {
	for _, x := range u {
		if x.Overlaps(p) {
			return x, true
		}
	}
	return netip.Prefix{}, false
}

// subnet4Candidates lists the private /24s `--subnet auto` tries, in order:
// 10.8.0.0/24 (the usual WireGuard choice) upwards, then 172.16/12, then
// the upper half of 192.168/16, which home routers rarely use.
func subnet4Candidates(yield func(netip.Prefix) bool) {
	for b := 8; b <= 255; b++ {
		if !yield(netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(b), 0, 0}), 24)) {
			return
		}
	}
	for b := 16; b <= 31; b++ {
		for c := 0; c <= 255; c++ {
			if !yield(netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(b), byte(c), 0}), 24)) {
				return
			}
		}
	}
	for c := 128; c <= 255; c++ {
		if !yield(netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(c), 0}), 24)) {
			return
		}
	}
}

// PickSubnet4 returns the first candidate private /24 that overlaps nothing
// in used.
func PickSubnet4(used Used) (netip.Prefix, bool) {
	var out netip.Prefix
	found := false
	subnet4Candidates(func(p netip.Prefix) bool {
		if _, clash := used.Overlaps(p); !clash {
			out, found = p, true
			return false
		}
		return true
	})
	return out, found
}

// PickSubnet6 returns a free /64 inside the router's ULA prefix. netifd
// hands out ip6assign prefixes from the bottom of the ULA prefix, so the
// search starts 256 subnets below the top to stay clear of them.
func PickSubnet6(ula netip.Prefix, used Used) (netip.Prefix, bool) {
	if !ula.Addr().Is6() || ula.Addr().Is4In6() || ula.Bits() > 64 {
		return netip.Prefix{}, false
	}
	ula = ula.Masked()
	free := 64 - ula.Bits()
	if free > 16 {
		free = 16
	}
	n := uint64(1) << free
	start := uint64(0)
	if n > 0x100 {
		start = n - 0x100
	}
	for i := uint64(0); i < n; i++ {
		id := (start + i) % n
		p := netip.PrefixFrom(addHi(ula.Addr(), id), 64)
		if _, clash := used.Overlaps(p); !clash {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func halves(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return hi, lo
}

func fromHalves(hi, lo uint64) netip.Addr {
	var b [16]byte
	for i := 7; i >= 0; i-- {
		b[i], b[8+i] = byte(hi), byte(lo)
		hi >>= 8
		lo >>= 8
	}
	return netip.AddrFrom16(b)
}

// addHi adds n to the upper 64 bits of IPv6 address a (the subnet part).
func addHi(a netip.Addr, n uint64) netip.Addr {
	hi, lo := halves(a)
	return fromHalves(hi+n, lo)
}

// AddHost returns the address n hosts after the start of prefix p, and
// false when that leaves p.
func AddHost(p netip.Prefix, n uint64) (netip.Addr, bool) {
	base := p.Masked().Addr()
	var a netip.Addr
	if base.Is4() {
		b := base.As4()
		v := uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
		v += n
		if v > 0xffffffff {
			return netip.Addr{}, false
		}
		a = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	} else {
		hi, lo := halves(base)
		nlo := lo + n
		if nlo < lo {
			hi++
		}
		a = fromHalves(hi, nlo)
	}
	return a, p.Contains(a)
}

// HostIndex returns how many hosts a lies after the start of p.
func HostIndex(p netip.Prefix, a netip.Addr) uint64 {
	base := p.Masked().Addr()
	if base.Is4() {
		x, y := base.As4(), a.As4()
		bv := uint64(x[0])<<24 | uint64(x[1])<<16 | uint64(x[2])<<8 | uint64(x[3])
		av := uint64(y[0])<<24 | uint64(y[1])<<16 | uint64(y[2])<<8 | uint64(y[3])
		return av - bv
	}
	_, bl := halves(base)
	_, al := halves(a)
	return al - bl
}

// Allocator hands out host addresses inside a subnet, skipping taken ones.
type Allocator struct {
	subnet netip.Prefix
	hosts  map[netip.Addr]bool
	wide   []netip.Prefix
}

// NewAllocator returns an allocator for subnet that never gives out an
// address inside any of taken.
func NewAllocator(subnet netip.Prefix, taken []netip.Prefix) *Allocator {
	al := &Allocator{subnet: subnet.Masked(), hosts: map[netip.Addr]bool{}}
	for _, t := range taken {
		if t.IsSingleIP() {
			al.hosts[t.Addr()] = true
		} else if t.Overlaps(al.subnet) {
			al.wide = append(al.wide, t.Masked())
		}
	}
	return al
}

// Free reports whether a is inside the subnet, not its network or
// broadcast address, and not taken.
func (al *Allocator) Free(a netip.Addr) bool {
	if !al.subnet.Contains(a) || a == al.subnet.Addr() || al.hosts[a] {
		return false
	}
	if a.Is4() && al.subnet.Bits() < 31 {
		if last, _ := AddHost(al.subnet, (uint64(1)<<(32-al.subnet.Bits()))-1); a == last {
			return false
		}
	}
	for _, w := range al.wide {
		if w.Contains(a) {
			return false
		}
	}
	return true
}

// Next returns the first free address at or after host index from.
func (al *Allocator) Next(from uint64) (netip.Addr, bool) {
	for i := from; ; i++ {
		a, ok := AddHost(al.subnet, i)
		if !ok {
			return netip.Addr{}, false
		}
		if al.Free(a) {
			return a, true
		}
		if i-from > 1<<20 {
			return netip.Addr{}, false
		}
	}
}

// Take marks a as used.
func (al *Allocator) Take(a netip.Addr) { al.hosts[a] = true }
