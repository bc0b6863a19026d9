package topology

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgowrt/wgowrt/internal/ops"
	"github.com/wgowrt/wgowrt/internal/plan"
	"github.com/wgowrt/wgowrt/internal/wg"
)

// KeyDir holds each interface's node key until (and after) the
// interface exists: /etc/wgowrt/<iface>.key, mode 0600.
const KeyDir = "/etc/wgowrt"

// keyFile is where iface's node key is kept.
func keyFile(o *ops.Ops, iface string) string { return o.Path(filepath.Join(KeyDir, iface+".key")) }

// NodeKey returns this router's private key for iface: the interface's
// own when it exists, else the kept node key, drawn and written (0600)
// when there is none and create is set; created says it was drawn now.
func NodeKey(o *ops.Ops, iface string, create bool) (wg.Key, bool, error) {
	st, _, err := o.Read("", iface)
	if err != nil {
		return wg.Key{}, false, err
	}
	if srv, err := plan.ReadServer(st, iface); err == nil && srv.PrivateKey != nil {
		return *srv.PrivateKey, false, nil
	}
	path := keyFile(o, iface)
	data, err := os.ReadFile(path)
	if err == nil {
		k, err := wg.ParseKey(strings.TrimSpace(string(data)))
		if err != nil {
			return wg.Key{}, false, fmt.Errorf("%s holds no WireGuard key: remove it and run 'wgowrt node key' again", path)
		}
		return k, false, nil
	}
	if !os.IsNotExist(err) {
		return wg.Key{}, false, err
	}
	if !create {
		return wg.Key{}, false, nil
	}
	k, err := o.NewPrivateKey()
	if err != nil {
		return wg.Key{}, false, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return wg.Key{}, false, err
	}
	if err := ops.WriteSecretFile(path, []byte(k.String()+"\n")); err != nil {
		return wg.Key{}, false, err
	}
	return k, true, nil
}
