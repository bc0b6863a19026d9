package ops

import (
	"encoding/binary"
	"net/netip"
	"os"
	"syscall"
	"time"
)

// pingDF sends one ICMP echo request of size payload bytes to addr (IPv4
// or IPv6) with the don't-fragment bit set (IP_PMTUDISC_DO) and says
// whether the reply came within a second. busybox's ping, which routers have, cannot set
// the bit, hence a raw socket (root, as doctor runs).
// src, when valid, is the source address (a site link carries only its
// LANs' traffic, so the router pings from its LAN address).
func pingDF(src, addr netip.Addr, size int) bool {
	if addr.Is6() && !addr.Is4In6() {
		return ping6DF(src, addr, size)
	}
	if !addr.Is4() || size < 0 || size > 65000 || src.IsValid() && !src.Is4() {
		return false
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMP)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	if syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, syscall.IP_PMTUDISC_DO) != nil {
		return false
	}
	if src.Is4() && syscall.Bind(fd, &syscall.SockaddrInet4{Addr: src.As4()}) != nil {
		return false
	}
	id, seq := uint16(os.Getpid()), uint16(time.Now().UnixNano())
	msg := make([]byte, 8+size)
	msg[0] = 8 // echo request
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	binary.BigEndian.PutUint16(msg[2:], icmpChecksum(msg))
	if syscall.Sendto(fd, msg, 0, &syscall.SockaddrInet4{Addr: addr.As4()}) != nil {
		return false // EMSGSIZE: larger than the route's MTU
	}
	return awaitReply(fd, func(p []byte, from syscall.Sockaddr) bool { return isEchoReply(p, from, addr, id, seq) })
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

// isEchoReply checks a raw IPv4 packet is addr's reply to (id, seq).
func isEchoReply(p []byte, from syscall.Sockaddr, addr netip.Addr, id, seq uint16) bool {
	sa, ok := from.(*syscall.SockaddrInet4)
	if !ok || netip.AddrFrom4(sa.Addr) != addr || len(p) < 20 {
		return false
	}
	ihl := int(p[0]&0x0f) * 4
	if len(p) < ihl+8 {
		return false
	}
	icmp := p[ihl:]
	return icmp[0] == 0 && binary.BigEndian.Uint16(icmp[4:]) == id && binary.BigEndian.Uint16(icmp[6:]) == seq
}

// ping6DF is pingDF over IPv6: no router on the way fragments IPv6, and
// IPV6_PMTUDISC_DO keeps this host from fragmenting it either. The kernel
// fills in the ICMPv6 checksum and hands back the message without the
// IPv6 header.
func ping6DF(src, addr netip.Addr, size int) bool {
	if size < 0 || size > 65000 || src.IsValid() && (!src.Is6() || src.Is4In6()) {
		return false
	}
	fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMPV6)
	if err != nil {
		return false
	}
	defer syscall.Close(fd)
	if syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, syscall.IPV6_PMTUDISC_DO) != nil {
		return false
	}
	if src.IsValid() && syscall.Bind(fd, &syscall.SockaddrInet6{Addr: src.As16()}) != nil {
		return false
	}
	id, seq := uint16(os.Getpid()), uint16(time.Now().UnixNano())
	msg := make([]byte, 8+size)
	msg[0] = 128 // echo request
	binary.BigEndian.PutUint16(msg[4:], id)
	binary.BigEndian.PutUint16(msg[6:], seq)
	if syscall.Sendto(fd, msg, 0, &syscall.SockaddrInet6{Addr: addr.As16()}) != nil {
		return false // EMSGSIZE: larger than the route's MTU
	}
	return awaitReply(fd, func(p []byte, from syscall.Sockaddr) bool {
		sa, ok := from.(*syscall.SockaddrInet6)
		return ok && netip.AddrFrom16(sa.Addr) == addr && len(p) >= 8 && p[0] == 129 &&
			binary.BigEndian.Uint16(p[4:]) == id && binary.BigEndian.Uint16(p[6:]) == seq
	})
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
