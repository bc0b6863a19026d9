package lab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// RunSeeingDevices runs args inside n as a program on a router would see
// WireGuard: /var/run/wireguard holds exactly devs' UAPI sockets, each
// named after its link (wg0.sock, not the lab's unique wl<tag><n>.sock),
// and none of the other namespaces' devices. wgctrl's userspace backend
// names a device after its socket, so a program that joins devices with
// UCI interface names by name (wgowrt status) finds them. The result is
// the command's standard output; its standard error goes into the error.
//
// The view is a directory of socket inodes (mknod: the directory entry
// must say "socket", as wgctrl filters on it), each with the real socket
// bind-mounted over it, and the directory bind-mounted over
// /var/run/wireguard, all in the mount namespace `ip netns exec` creates
// for the command (a slave of the host's: nothing reaches the host). Hard
// links would be simpler but kill the device: wireguard-go watches its
// socket with inotify and exits on any event, including IN_ATTRIB from a
// link count change.
func (n *NS) RunSeeingDevices(devs []*WGDevice, args ...string) (string, error) {
	view, err := os.MkdirTemp("", "wgowrt-lab-"+n.lab.tag+"-view-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(view)
	var script strings.Builder
	for _, d := range devs {
		at := filepath.Join(view, d.Ifname+".sock")
		if err := unix.Mknod(at, unix.S_IFSOCK|0o600, 0); err != nil {
			return "", errorf("mknod %s: %w", at, err)
		}
		script.WriteString("mount --bind '" + socketPath(d.UAPI) + "' '" + at + "' && ")
	}
	script.WriteString("mount --rbind '" + view + "' " + uapiDir + ` && exec "$@"`)
	cmd := n.Command(append([]string{"sh", "-c", script.String(), "sh"}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errorf("%s: %s: %v: %s", n.Name, cmdline(args), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
