package supervise

import (
	"os"
)

func oracleDir() string {
	if d := os.Getenv("OWRT_ORACLE"); d != "" {
		return d
	}
	return "/opt/owrt-oracle"
}

// wanHead opens every container's network file: loopback and a static wan
// on eth1, whose addresses the caller adds.
const wanHead = `config interface 'loopback'
	option device 'lo'
	option proto 'static'
	option ipaddr '127.0.0.1'
	option netmask '255.0.0.0'

config interface 'wan'
	option device 'eth1'
	option proto 'static'
`
