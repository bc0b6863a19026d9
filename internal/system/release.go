// Package system makes the running router follow the committed
// configuration: netifd and firewall reloads over ubus, and peer changes
// pushed into the live WireGuard device. It is the only package besides
// the store that touches the machine; each side effect sits behind an
// interface with a fake (ubus.Fake, wgdev.Fake).
package system

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Release is an OpenWrt release as /etc/openwrt_release names it.
type Release struct {
	// Raw is DISTRIB_RELEASE, e.g. "24.10.2" or "SNAPSHOT".
	Raw          string
	Major, Minor int
}

// Known reports whether the release was read.
func (r Release) Known() bool { return r.Raw != "" }

// RenewAppliesPeers reports whether `ubus call network.interface.X renew`
// re-applies peer sections without recreating the link: true for 25.12's
// wireguard.sh (renew_handler, wg syncconf). Snapshots run the ucode
// handler, whose renew replays the config captured when the interface came
// up (openwrt-reference.md §1.4), so they are excluded.
func (r Release) RenewAppliesPeers() bool {
	return r.Major > 25 || r.Major == 25 && r.Minor >= 12
}

// ReloadAppliesAddresses reports whether `network reload` notices a changed
// `addresses` list of a WireGuard interface: the handler registers it as a
// parameter since 25.12 (openwrt-reference.md §1.2, §1.5); before, only
// `ifup` applies it. An unknown release is treated as old.
func (r Release) ReloadAppliesAddresses() bool { return r.RenewAppliesPeers() }

// DetectRelease reads etc/openwrt_release under root.
func DetectRelease(root string) Release {
	b, err := os.ReadFile(filepath.Join(root, "/etc/openwrt_release"))
	if err != nil {
		return Release{}
	}
	return ParseRelease(b)
}

// ParseRelease reads the DISTRIB_RELEASE line of an openwrt_release file.
func ParseRelease(b []byte) Release {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		if !ok || k != "DISTRIB_RELEASE" {
			continue
		}
		v = strings.Trim(v, `'"`)
		r := Release{Raw: v}
		parts := strings.SplitN(v, ".", 3)
		if len(parts) >= 2 {
			r.Major, _ = strconv.Atoi(parts[0])
			r.Minor, _ = strconv.Atoi(strings.TrimRightFunc(parts[1], func(c rune) bool { return c < '0' || c > '9' }))
		}
		return r
	}
	return Release{}
}
