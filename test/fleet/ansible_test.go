package fleet

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// ansible runs the repository's playbook from the controller namespace
// against the lab's routers, with the collection installed from the
// repository by ansible-galaxy and everything Ansible keeps in dir.
type ansible struct {
	ctl      *lab.NS
	inv      string
	playbook string
	env      []string
}

// newAnsible installs the collection (ansible-galaxy collection install
// ./ansible, no network) and writes the inventory: each router by its WAN
// address, root with the lab's key, host keys not checked (each sshd's
// key is drawn by the test).
func newAnsible(t *testing.T, dir string, ctl *lab.NS, key string) *ansible {
	t.Helper()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	colls := filepath.Join(dir, "collections")
	if out, err := exec.Command("ansible-galaxy", "collection", "install", filepath.Join(repo, "ansible"), "-p", colls).CombinedOutput(); err != nil {
		t.Fatalf("ansible-galaxy collection install ./ansible: %v\n%s", err, out)
	}
	var inv strings.Builder
	for _, g := range []string{"hubs", "branches"} {
		fmt.Fprintf(&inv, "[%s]\n", g)
		for _, n := range fleet {
			if (n.name == "hub") == (g == "hubs") {
				fmt.Fprintf(&inv, "%s ansible_host=%s.2\n", n.name, n.wan)
			}
		}
	}
	fmt.Fprintf(&inv, "[routers:children]\nhubs\nbranches\n[routers:vars]\nansible_user=root\nansible_ssh_private_key_file=%s\n", key)
	a := &ansible{ctl: ctl, inv: filepath.Join(dir, "inventory.ini"), playbook: filepath.Join(repo, "ansible", "playbooks", "hub-and-spokes.yml")}
	cfg := filepath.Join(dir, "ansible.cfg") // none of the host's settings
	for path, text := range map[string]string{a.inv: inv.String(), cfg: "[defaults]\n"} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a.env = []string{
		"ANSIBLE_CONFIG=" + cfg,
		"ANSIBLE_HOME=" + filepath.Join(dir, "ansible-home"),
		"ANSIBLE_LOCAL_TEMP=" + filepath.Join(dir, "ansible-tmp"),
		"ANSIBLE_COLLECTIONS_PATH=" + colls,
		"ANSIBLE_HOST_KEY_CHECKING=False",
		// no ControlPersist: no SSH master outlives a run
		"ANSIBLE_SSH_ARGS=-o ControlMaster=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
	}
	return a
}

// play runs ansible-playbook with the topology file and extra arguments
// and returns its output and the recap's changed= count of each host.
// A failed run fails the test.
func (a *ansible) play(t *testing.T, topology string, extra ...string) (string, map[string]int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	args := append([]string{"netns", "exec", a.ctl.Path, "ansible-playbook", "-v", "-i", a.inv, a.playbook, "-e", "topology_file=" + topology}, extra...)
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Env = append(os.Environ(), a.env...)
	start := time.Now()
	b, err := cmd.CombinedOutput()
	out := string(b)
	t.Logf("ansible-playbook %s %s (%.1f s):\n%s", filepath.Base(topology), strings.Join(extra, " "), time.Since(start).Seconds(), out)
	if err != nil {
		t.Fatalf("ansible-playbook %s %s: %v", filepath.Base(topology), strings.Join(extra, " "), err)
	}
	return out, recap(t, out)
}

// recap reads changed=N of each host from the PLAY RECAP.
func recap(t *testing.T, out string) map[string]int {
	t.Helper()
	i := strings.Index(out, "PLAY RECAP")
	if i < 0 {
		t.Fatal("no PLAY RECAP in ansible-playbook's output")
	}
	m := map[string]int{}
	for _, l := range strings.Split(out[i:], "\n")[1:] {
		f := strings.Fields(l)
		if len(f) < 3 || f[1] != ":" {
			continue
		}
		for _, kv := range f[2:] {
			if v, ok := strings.CutPrefix(kv, "changed="); ok {
				m[f[0]], _ = strconv.Atoi(v)
			}
		}
	}
	return m
}

var (
	taskLine   = regexp.MustCompile(`^TASK \[(.*)\]`)
	resultLine = regexp.MustCompile(`^(ok|changed|skipping|fatal|failed): \[([^\]]+)\]`)
)

// applyResults reads the results of the "wgowrt topology apply" tasks in
// the order Ansible printed them: the host and what was printed for it
// before its result line (its diff, in diff mode), "" when unchanged.
func applyResults(out string) (order []string, diffs map[string]string) {
	diffs = map[string]string{}
	task := ""
	var buf []string
	for _, l := range strings.Split(out, "\n") {
		if m := taskLine.FindStringSubmatch(l); m != nil {
			task, buf = m[1], nil
			continue
		}
		m := resultLine.FindStringSubmatch(l)
		if m == nil {
			buf = append(buf, l)
			continue
		}
		if task == "wgowrt topology apply" {
			order = append(order, m[2])
			if m[1] == "changed" {
				diffs[m[2]] = strings.Join(buf, "\n")
			}
		}
		buf = nil
	}
	return order, diffs
}
