package cli

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wgowrt/wgowrt/internal/wg"
	"github.com/wgowrt/wgowrt/internal/wgquick"
)

// `client add` takes the facts of a wg-quick file as flags. Keys are read
// from files (or stdin) only: a key on the command line would show in ps
// and in the shell history.

func clientAddCommand(env *Env) *Command {
	flags := append([]Flag{
		&StringFlag{Name: "private-key-file", Usage: "file holding the interface's private key (- for stdin)", Required: true},
		&StringSliceFlag{Name: "address", Usage: "tunnel address(es) the provider assigned (CIDR; repeatable or comma-separated)", Required: true},
		&StringSliceFlag{Name: "dns", Usage: "provider's DNS servers or search domains (full mode)"},
		&IntFlag{Name: "mtu", Usage: "tunnel MTU"},
		&IntFlag{Name: "listen-port", Usage: "UDP listen port (default: random)"},
		&StringFlag{Name: "fwmark", Usage: "firewall mark of the tunnel's own packets (e.g. 0xca6c)"},
		&StringFlag{Name: "public-key", Usage: "provider's public key", Required: true},
		&StringFlag{Name: "preshared-key-file", Usage: "file holding the preshared key (- for stdin)"},
		&StringFlag{Name: "endpoint", Usage: "provider's HOST:PORT", Required: true},
		&IntFlag{Name: "keepalive", Value: 25, Usage: "persistent keepalive in seconds (0 = off)"},
	}, clientModeFlags()...)
	return &Command{
		Name:   "add",
		Usage:  "configure a client from flags (the facts of a wg-quick file)",
		Flags:  flags,
		Action: func(c *Context) error { return clientAdd(env, c) },
	}
}

func clientAdd(env *Env, c *Context) error {
	if c.NArg() > 0 {
		return Usagef("client add takes no arguments (got %q)", c.Args().First())
	}
	conf, err := configFromFlags(env, c)
	if err != nil {
		return err
	}
	iface := c.String("iface")
	if iface == "" {
		iface = defaultClientIface
	}
	return runClient(env, c, iface, conf)
}

// configFromFlags builds what Parse would have read from a file, with the
// same limits.
func configFromFlags(env *Env, c *Context) (*wgquick.Config, error) {
	conf := &wgquick.Config{}
	var err error
	if conf.PrivateKey, err = keyFromFile(env, "--private-key-file", c.String("private-key-file")); err != nil {
		return nil, err
	}
	if err := flagAddresses(conf, c); err != nil {
		return nil, err
	}
	if err := flagInterfaceNumbers(conf, c); err != nil {
		return nil, err
	}
	peer, err := flagPeer(env, c)
	if err != nil {
		return nil, err
	}
	conf.Peers = []wgquick.Peer{peer}
	return conf, nil
}

func keyFromFile(env *Env, flag, name string) (wg.Key, error) {
	data, err := readConfigFile(env, name)
	if err != nil {
		return wg.Key{}, fmt.Errorf("%s: %v", flag, err)
	}
	k, err := wg.ParseKey(strings.TrimSpace(string(data)))
	if err != nil {
		return wg.Key{}, fmt.Errorf("%s %s: %v", flag, displayName(name), err)
	}
	return k, nil
}

func flagAddresses(conf *wgquick.Config, c *Context) error {
	for _, a := range splitFlag(c.StringSlice("address")) {
		p, err := wg.ParseAddrPrefix(a)
		if err != nil {
			return fmt.Errorf("--address %q is not an address or CIDR (e.g. 10.64.0.2/32)", a)
		}
		conf.Addresses = append(conf.Addresses, p)
	}
	for _, d := range splitFlag(c.StringSlice("dns")) {
		if a, err := netip.ParseAddr(d); err == nil && a.Zone() == "" {
			conf.DNS = append(conf.DNS, a)
		} else if _, err := wg.ParseEndpoint(d); err == nil && !strings.Contains(d, ":") {
			conf.DNSSearch = append(conf.DNSSearch, d)
		} else {
			return fmt.Errorf("--dns %q is neither an address nor a search domain", d)
		}
	}
	return nil
}

func flagInterfaceNumbers(conf *wgquick.Config, c *Context) error {
	if c.IsSet("mtu") {
		if n := c.Int("mtu"); n < 576 || n > 65535 {
			return fmt.Errorf("--mtu %d is not between 576 and 65535", n)
		}
		conf.MTU = c.Int("mtu")
	}
	if c.IsSet("listen-port") {
		p, err := wg.ParsePort(strconv.Itoa(c.Int("listen-port")))
		if err != nil {
			return fmt.Errorf("--listen-port: %v", err)
		}
		conf.ListenPort = p
	}
	if v := c.String("fwmark"); v != "" {
		n, err := strconv.ParseUint(v, 0, 32)
		if err != nil {
			return fmt.Errorf("--fwmark %q is not a 32-bit number (e.g. 0xca6c)", v)
		}
		conf.FwMark = uint32(n)
	}
	return nil
}

// flagPeer is the provider: AllowedIPs are everything, the mode decides
// what is routed (split mode replaces them with --allowed).
func flagPeer(env *Env, c *Context) (wgquick.Peer, error) {
	p := wgquick.Peer{AllowedIPs: wg.FullTunnel}
	var err error
	if p.PublicKey, err = wg.ParseKey(c.String("public-key")); err != nil {
		return p, fmt.Errorf("--public-key: %v", err)
	}
	if f := c.String("preshared-key-file"); f != "" {
		psk, err := keyFromFile(env, "--preshared-key-file", f)
		if err != nil {
			return p, err
		}
		p.PresharedKey = &psk
	}
	if p.Endpoint, err = wg.ParseEndpoint(c.String("endpoint")); err != nil || p.Endpoint.Port == 0 {
		return p, fmt.Errorf("--endpoint %q is not HOST:PORT (e.g. vpn.example.net:51820 or [2001:db8::1]:51820)", c.String("endpoint"))
	}
	if err := wg.ParseKeepalive(c.Int("keepalive")); err != nil {
		return p, err
	}
	p.Keepalive = c.Int("keepalive")
	return p, nil
}
