package cli

import (
	"net/netip"
	"strings"
)

type netipPrefix = netip.Prefix

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func join(s []string) string { return strings.Join(s, ", ") }
