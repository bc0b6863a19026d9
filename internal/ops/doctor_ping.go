package ops

import (
	"encoding/binary"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// pingDF sends one ICMP echo request of size payload bytes to addr (IPv4
// or IPv6) with the don't-fragment bit set (IP_PMTUDISC_DO; no router
// fragments IPv6, and IPV6_PMTUDISC_DO keeps this host from doing it) and
// says whether the reply came within a second. busybox's ping, which
// routers have, cannot set the bit, hence a raw socket (root, as doctor
// runs).
// src, when valid, is the source address (a site link carries only its
// LANs' traffic, so the router pings from its LAN address); one of the
// other family gets no reply.
func pingDF(src, addr netip.Addr, size int) bool {
	f := icmpOf(addr)
	if f == nil || size < 0 || size > 65000 || src.IsValid() && icmpOf(src) != f {
		return false
	}
	fd, err := syscall.Socket(f.domain, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, f.proto)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	if syscall.SetsockoptInt(fd, f.level, f.discover, f.do) != nil {
		return false
	}
	if src.IsValid() && syscall.Bind(fd, f.sockaddr(src)) != nil {
		return false
	}
	id, seq := uint16(os.Getpid()), uint16(time.Now().UnixNano())
	msg := make([]byte, 8+size)
	msg[0] = f.request
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	if f == icmp4 { // the kernel fills in ICMPv6's checksum
		binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	}
	if syscall.Sendto(fd, msg, 0, f.sockaddr(addr)) != nil {
		return false // EMSGSIZE: larger than the route's MTU
	}
	return awaitReply(fd, func(p []byte, from syscall.Sockaddr) bool {
		if f == icmp4 { // a raw IPv4 socket hands back the IP header too
			sa, ok := from.(*syscall.SockaddrInet4)
			if !ok || netip.AddrFrom4(sa.Addr) != addr || len(p) < 20 || len(p) < int(p[0]&0x0f)*4 {
				return false
			}
			p = p[int(p[0]&0x0f)*4:]
		} else if sa, ok := from.(*syscall.SockaddrInet6); !ok || netip.AddrFrom16(sa.Addr) != addr {
			return false
		}
		return len(p) >= 8 && p[0] == f.reply && binary.BigEndian.Uint16(p[4:]) == id && binary.BigEndian.Uint16(p[6:]) == seq
	})
}

// icmpFamily is what differs between ICMP over IPv4 and over IPv6.
type icmpFamily struct {
	domain, proto, level, discover, do int
	request, reply                     byte
}

var (
	icmp4 = &icmpFamily{syscall.AF_INET, syscall.IPPROTO_ICMP, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO, 8, 0}
	icmp6 = &icmpFamily{syscall.AF_INET6, syscall.IPPROTO_ICMPV6, syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_DO, 128, 129}
)

// icmpOf is a's family (nil for an invalid or IPv4-mapped address).
func icmpOf(a netip.Addr) *icmpFamily {
	switch {
	case a.Is4():
		return icmp4
	case a.Is6() && !a.Is4In6():
		return icmp6
	}
	return nil
}

func (f *icmpFamily) sockaddr(a netip.Addr) syscall.Sockaddr {
	if f == icmp4 {
		return &syscall.SockaddrInet4{Addr: a.As4()}
	}
	return &syscall.SockaddrInet6{Addr: a.As16()}
}

// awaitReply reads fd for up to a second until isReply accepts a packet.
func awaitReply(fd int, isReply func(p []byte, from syscall.Sockaddr) bool) bool {
	deadline := time.Now().Add(time.Second)
	buf := make([]byte, 65536)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return false
		}
		tv := syscall.NsecToTimeval(left.Nanoseconds())
		syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
		n, from, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return false
		}
		if isReply(buf[:n], from) {
			return true
		}
	}
}

func icmpChecksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}
