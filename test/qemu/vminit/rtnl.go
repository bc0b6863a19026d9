//go:build linux

package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// rtnl is the little of rtnetlink the guest needs: create WireGuard links,
// move one to another namespace, add an address, bring links up. Headers are
// in host byte order, which is what big-endian MIPS exercises.
type rtnl struct{ c *netlink.Conn }

func dialRtnl(netns int) (*rtnl, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink: %w", err)
	}
	return &rtnl{c}, nil
}

// ifinfomsg encodes struct ifinfomsg.
func ifinfomsg(index int32, flags, change uint32) []byte {
	b := make([]byte, 16)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	binary.NativeEndian.PutUint32(b[12:], change)
	return b
}

// do sends one request; changes pass netlink.Acknowledge so errors come
// back, queries must not (the ack would be left queued behind the answer).
func (r *rtnl) do(typ uint16, flags netlink.HeaderFlags, body []byte, ae *netlink.AttributeEncoder) ([]netlink.Message, error) {
	data := body
	if ae != nil {
		attrs, err := ae.Encode()
		if err != nil {
			return nil, err
		}
		data = append(data, attrs...)
	}
	return r.c.Execute(netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(typ), Flags: netlink.Request | flags},
		Data:   data,
	})
}

// addWireGuard creates a WireGuard link (ip link add NAME type wireguard).
func (r *rtnl) addWireGuard(name string) error {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, name)
	ae.Nested(unix.IFLA_LINKINFO, func(nae *netlink.AttributeEncoder) error {
		nae.String(unix.IFLA_INFO_KIND, "wireguard")
		return nil
	})
	_, err := r.do(unix.RTM_NEWLINK, netlink.Acknowledge|netlink.Create|netlink.Excl, ifinfomsg(0, 0, 0), ae)
	if err != nil {
		return fmt.Errorf("ip link add %s type wireguard: %w", name, err)
	}
	return nil
}

// index returns the ifindex of a link by name.
func (r *rtnl) index(name string) (int32, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(unix.IFLA_IFNAME, name)
	msgs, err := r.do(unix.RTM_GETLINK, 0, ifinfomsg(0, 0, 0), ae)
	if err != nil {
		return 0, fmt.Errorf("ip link show %s: %w", name, err)
	}
	for _, m := range msgs {
		if m.Header.Type == unix.RTM_NEWLINK && len(m.Data) >= 16 {
			return int32(binary.NativeEndian.Uint32(m.Data[4:])), nil
		}
	}
	return 0, fmt.Errorf("ip link show %s: no answer", name)
}

// up sets IFF_UP on a link.
func (r *rtnl) up(name string) error {
	idx, err := r.index(name)
	if err != nil {
		return err
	}
	if _, err := r.do(unix.RTM_NEWLINK, netlink.Acknowledge, ifinfomsg(idx, unix.IFF_UP, unix.IFF_UP), nil); err != nil {
		return fmt.Errorf("ip link set %s up: %w", name, err)
	}
	return nil
}

// moveTo moves a link into the network namespace open at nsfd.
func (r *rtnl) moveTo(name string, nsfd int) error {
	idx, err := r.index(name)
	if err != nil {
		return err
	}
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(unix.IFLA_NET_NS_FD, uint32(nsfd))
	if _, err := r.do(unix.RTM_NEWLINK, netlink.Acknowledge, ifinfomsg(idx, 0, 0), ae); err != nil {
		return fmt.Errorf("ip link set %s netns: %w", name, err)
	}
	return nil
}

// addAddr adds an IPv4 address with prefix to a link.
func (r *rtnl) addAddr(name string, p netip.Prefix) error {
	idx, err := r.index(name)
	if err != nil {
		return err
	}
	b := make([]byte, 8)
	b[0] = unix.AF_INET
	b[1] = byte(p.Bits())
	binary.NativeEndian.PutUint32(b[4:], uint32(idx))
	ae := netlink.NewAttributeEncoder()
	a := p.Addr().As4()
	ae.Bytes(unix.IFA_LOCAL, a[:])
	ae.Bytes(unix.IFA_ADDRESS, a[:])
	if _, err := r.do(unix.RTM_NEWADDR, netlink.Acknowledge|netlink.Create|netlink.Excl, b, ae); err != nil {
		return fmt.Errorf("ip addr add %s dev %s: %w", p, name, err)
	}
	return nil
}
