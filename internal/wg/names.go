package wg

import (
	"fmt"
	"strconv"
)

// MaxIfname is the longest Linux interface name (IFNAMSIZ-1).
const MaxIfname = 15

// MaxPeerName bounds peer names so section names stay readable.
const MaxPeerName = 32

func isNameChar(c byte, dash bool) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || dash && c == '-'
}

// ValidateIface checks the name of a WireGuard interface wgowrt creates: it
// is both the UCI section name and the Linux link name (≤15 bytes), and it
// starts with a letter so that it can also name a firewall zone. It has no
// '_': wgowrt's sections of an interface are named wgowrt_<iface>_<role>,
// and with '_' in interface names those of wg0 ("wgowrt_wg0_from_lan")
// would also be those of an interface wg0_from.
func ValidateIface(name string) error {
	what := "use letters and digits only, starting with a letter, at most 15 characters (e.g. wg0)"
	if name == "" || len(name) > MaxIfname {
		return fmt.Errorf("interface name %q is not usable: %s", name, what)
	}
	if c := name[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return fmt.Errorf("interface name %q is not usable: %s", name, what)
	}
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i], false) || name[i] == '_' {
			return fmt.Errorf("interface name %q is not usable: %s", name, what)
		}
	}
	return nil
}

// ValidatePeerName checks a peer name: letters, digits, _ and -, so that it
// maps onto a UCI section name, not starting with - (a name "-x" on a
// command line reads as an option, and tools given it back misread it).
func ValidatePeerName(name string) error {
	if name == "" || len(name) > MaxPeerName {
		return fmt.Errorf("peer name %q is not usable: use 1 to %d letters, digits, _ or -", name, MaxPeerName)
	}
	if name[0] == '-' {
		return fmt.Errorf("peer name %q is not usable: it must not start with - (use letters, digits, _ or - after the first character)", name)
	}
	for i := 0; i < len(name); i++ {
		if !isNameChar(name[i], true) {
			return fmt.Errorf("peer name %q is not usable: use 1 to %d letters, digits, _ or -", name, MaxPeerName)
		}
	}
	return nil
}

// ParsePort reads a UDP port (1–65535).
func ParsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a UDP port number (1-65535)", s)
	}
	return n, nil
}

// ParseKeepalive reads a persistent keepalive interval in seconds (0 = off).
func ParseKeepalive(n int) error {
	if n < 0 || n > 65535 {
		return fmt.Errorf("keepalive %d is out of range: give seconds between 0 (off) and 65535", n)
	}
	return nil
}
