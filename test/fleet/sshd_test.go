package fleet

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// requireFleet skips (or, under WGOWRT_REQUIRE_PRIVILEGED=1, fails) when
// the fleet lab cannot run here: the oracle's routers (lab.RequireOracle),
// Debian's sshd and OpenSSH client, and ansible-core.
func requireFleet(t *testing.T) {
	t.Helper()
	lab.RequireOracle(t)
	var missing []string
	if sshdPath() == "" {
		missing = append(missing, "no sshd (apt-get install openssh-server)")
	}
	for _, c := range []string{"ssh", "ssh-keygen"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, "no "+c+" (apt-get install openssh-client)")
		}
	}
	for _, c := range []string{"ansible-playbook", "ansible-galaxy"} {
		if _, err := exec.LookPath(c); err != nil {
			missing = append(missing, "no "+c+" (apt-get install ansible-core)")
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := "fleet lab unavailable: " + strings.Join(missing, "; ")
	if os.Getenv("WGOWRT_REQUIRE_PRIVILEGED") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// sshdPath is Debian's sshd (it must be started by its absolute path).
func sshdPath() string {
	if p, err := exec.LookPath("sshd"); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	if _, err := os.Stat("/usr/sbin/sshd"); err == nil {
		return "/usr/sbin/sshd"
	}
	return ""
}

// keygen draws an ed25519 key pair at path (and path.pub).
func keygen(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "wgowrt-fleet-lab", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

// loginShell writes the router's SSH login: every command a session runs
// (sshd's ForceCommand; SSH_ORIGINAL_COMMAND is what the client asked
// for) runs inside the router's OpenWrt root through `owrt-ns exec`, so
// wgowrt, uci and /etc/config are the router's, not the host's. owrt-ns
// takes a caller inside the router's own network namespace (where sshd
// runs) for "not up", so the login steps into another one first: out,
// the controller's (owrt-ns exec then enters all of the router's).
func loginShell(t *testing.T, dir string, r *lab.Router, out *lab.NS) string {
	t.Helper()
	owrtNS, err := exec.LookPath(lab.OwrtNS())
	if err == nil {
		owrtNS, err = filepath.Abs(owrtNS)
	}
	if err != nil {
		t.Fatalf("owrt-ns: %v", err)
	}
	var env strings.Builder
	for _, k := range []string{"OWRT_ORACLE", "OWRT_STATE"} {
		if v := os.Getenv(k); v != "" {
			fmt.Fprintf(&env, "export %s=%s\n", k, shellQuote(v))
		}
	}
	path := filepath.Join(dir, "login-"+r.Name)
	script := fmt.Sprintf("#!/bin/sh\n# SSH login of router %s: its OpenWrt root (owrt-ns exec)\n%sexec nsenter --net=%s -- %s exec %s /bin/sh -c \"${SSH_ORIGINAL_COMMAND:-exec /bin/sh -i}\"\n",
		r.Name, env.String(), shellQuote("/run/netns/"+out.Path), shellQuote(owrtNS), shellQuote(r.ID))
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// startSSHD runs Debian's sshd inside the router's network namespace,
// listening on addr:22 only, with a host key and configuration of its own
// in dir, accepting root with the key clientPub only, every session
// entering the router's root (loginShell). It is stopped when the test
// ends, before the lab's routers are taken down.
func startSSHD(t *testing.T, dir string, r *lab.Router, ctl *lab.NS, addr, clientPub string) {
	t.Helper()
	d := filepath.Join(dir, "sshd-"+r.Name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	keygen(t, filepath.Join(d, "host_key"))
	auth := filepath.Join(d, "authorized_keys")
	if err := os.WriteFile(auth, []byte(clientPub), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`ListenAddress %s:22
HostKey %s
AuthorizedKeysFile %s
ForceCommand %s
PidFile none
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
`, addr, filepath.Join(d, "host_key"), auth, loginShell(t, dir, r, ctl))
	cfg := filepath.Join(d, "sshd_config")
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// privilege separation wants this directory (Debian's unit makes it)
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Fatal(err)
	}
	logf := filepath.Join(d, "sshd.log")
	// -E: its log to a file (-e would send a session's early messages
	// down the session's own terminal)
	cmd := r.Command(sshdPath(), "-D", "-E", logf, "-f", cfg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("sshd in %s: %v", r.Name, err)
	}
	t.Cleanup(func() {
		// the listener; sessions end with their command (no
		// ControlPersist on the controller side)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logf)
			t.Logf("sshd of %s:\n%s", r.Name, b)
		}
	})
	waitListening(t, r, addr+":22")
}

// waitListening waits until something accepts TCP on addr inside r.
func waitListening(t *testing.T, r *lab.Router, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := r.Do(func() error {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd of %s does not listen on %s: %v", r.Name, addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
