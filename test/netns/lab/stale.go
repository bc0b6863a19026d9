package lab

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
)

// labSocket matches UAPI socket names the lab hands out ("wl" + tag + n).
var labSocket = regexp.MustCompile(`^wl[0-9a-f]{6}[0-9]+\.sock$`)

// sweepStaleSockets removes lab UAPI sockets nobody listens on any more,
// left behind by a run that was killed before its cleanup ran.
func sweepStaleSockets() {
	entries, err := os.ReadDir(uapiDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !labSocket.MatchString(e.Name()) {
			continue
		}
		path := filepath.Join(uapiDir, e.Name())
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			continue
		}
		_ = removeFile(path)
	}
}
