package ops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgowrt/wgowrt/internal/plan"
)

// TestRollbackRestagesCommittedPending: a confirmed change made with
// --commit-pending commits the user's staged firewall lines with its own;
// its rollback puts the file back and stages those lines again, ahead of
// what was staged during the window, exactly once even when the rollback
// runs twice (killed before it dropped the record), and also after a
// reboot emptied /tmp.
func TestRollbackRestagesCommittedPending(t *testing.T) {
	for _, reboot := range []bool{false, true} {
		o, _ := confirmOps(t)
		if _, err := o.PeerAdd(peerAdd("phone")); err != nil {
			t.Fatal(err)
		}
		before := file(t, o, "/etc/config/firewall")
		delta := o.Path("/tmp/.uci/firewall")
		os.MkdirAll(filepath.Dir(delta), 0700)
		staged := "firewall.mine=rule\nfirewall.mine.name='mine'\n"
		if err := os.WriteFile(delta, []byte(staged), 0600); err != nil {
			t.Fatal(err)
		}
		port, _ := plan.ParsePortSpec("8080:80/tcp")
		r, err := o.Expose(Expose{Txn: Txn{CommitPending: true, Confirm: Confirm{Window: time.Hour, Command: "expose"}},
			Intent: plan.ExposeIntent{Peer: "phone", Port: port, On: "lan"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(file(t, o, "/etc/config/firewall"), "'mine'") || file(t, o, "/tmp/.uci/firewall") != "" {
			t.Fatalf("--commit-pending did not commit the staged lines:\n%s", file(t, o, "/tmp/.uci/firewall"))
		}
		later := "firewall.later=rule\n"
		want := staged + later
		if reboot {
			os.RemoveAll(filepath.Dir(delta))
			want = staged
		} else {
			os.WriteFile(delta, []byte(later), 0600)
		}
		if _, _, err := o.restorePending(r.Pending); err != nil { // killed here, then
			t.Fatal(err)
		}
		if _, err := o.Rollback(Rollback{ID: r.Pending.ID, Boot: reboot}); err != nil {
			t.Fatal(err)
		}
		if got := file(t, o, "/etc/config/firewall"); got != before {
			t.Errorf("reboot %v: firewall after rollback differs from before:\n%s", reboot, got)
		}
		if got := file(t, o, "/tmp/.uci/firewall"); got != want {
			t.Errorf("reboot %v: staged after rollback %q, want %q", reboot, got, want)
		}
	}
}
