package wg

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Endpoint is where peers reach the server: a host name or IP literal and
// an optional port (0 = the server's listen port).
type Endpoint struct {
	Host string
	Port int
}

// ParseEndpoint reads HOST, HOST:PORT, an IPv6 literal, or [IPv6]:PORT.
func ParseEndpoint(s string) (Endpoint, error) {
	bad := fmt.Errorf("endpoint %q is not a host name or IP address (optionally with :port), e.g. vpn.example.com or 203.0.113.7:51820", s)
	if s == "" {
		return Endpoint{}, bad
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return Endpoint{Host: a.String()}, nil
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		h, p, err := net.SplitHostPort(s)
		if err != nil {
			return Endpoint{}, bad
		}
		host, port = h, p
	}
	e := Endpoint{Host: host}
	if port != "" {
		n, err := ParsePort(port)
		if err != nil {
			return Endpoint{}, bad
		}
		e.Port = n
	}
	if a, err := netip.ParseAddr(host); err == nil && a.Zone() == "" {
		e.Host = a.String()
		return e, nil
	}
	if !validHostname(host) {
		return Endpoint{}, bad
	}
	return e, nil
}

// validHostname checks RFC 1123 host names.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// String returns HOST or HOST:PORT, bracketing IPv6 literals when a port
// follows.
func (e Endpoint) String() string {
	if e.Port == 0 {
		return e.Host
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
}

// With returns the endpoint as a client writes it, with port as default.
func (e Endpoint) With(port int) string {
	if e.Port != 0 {
		port = e.Port
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(port))
}

// ClientConfig is the wg-quick configuration handed to a peer.
type ClientConfig struct {
	Name string
	// PrivateKey is nil when the peer brought its own key pair.
	PrivateKey      *Key
	Addresses       []netip.Prefix
	DNS             []netip.Addr
	ServerPublicKey Key
	PresharedKey    *Key
	AllowedIPs      []netip.Prefix
	Endpoint        string
	Keepalive       int
}

// Render writes the config in wg-quick(8) syntax. It contains secrets:
// callers only print it when the user asked for it.
func (c ClientConfig) Render() string {
	var b strings.Builder
	if c.Name != "" {
		fmt.Fprintf(&b, "# wgowrt peer %s\n", c.Name)
	}
	b.WriteString("[Interface]\n")
	if c.PrivateKey != nil {
		fmt.Fprintf(&b, "PrivateKey = %s\n", c.PrivateKey)
	} else {
		b.WriteString("# PrivateKey = (the private key that belongs to the public key you gave)\n")
	}
	if len(c.Addresses) > 0 {
		fmt.Fprintf(&b, "Address = %s\n", joinPrefixes(c.Addresses))
	}
	if len(c.DNS) > 0 {
		s := make([]string, len(c.DNS))
		for i, d := range c.DNS {
			s[i] = d.String()
		}
		fmt.Fprintf(&b, "DNS = %s\n", strings.Join(s, ", "))
	}
	b.WriteString("\n[Peer]\n")
	fmt.Fprintf(&b, "PublicKey = %s\n", c.ServerPublicKey)
	if c.PresharedKey != nil {
		fmt.Fprintf(&b, "PresharedKey = %s\n", c.PresharedKey)
	}
	fmt.Fprintf(&b, "AllowedIPs = %s\n", joinPrefixes(c.AllowedIPs))
	if c.Endpoint != "" {
		fmt.Fprintf(&b, "Endpoint = %s\n", c.Endpoint)
	}
	if c.Keepalive > 0 {
		fmt.Fprintf(&b, "PersistentKeepalive = %d\n", c.Keepalive)
	}
	return b.String()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// FullTunnel is what a full-tunnel client routes through the server.
var FullTunnel = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
