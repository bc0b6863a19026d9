package netns

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wgowrt/wgowrt/test/netns/lab"
)

// Hitless peer changes on the real netifd path: the stock router booted
// in the oracle with the 24.10 or the 25.12 WireGuard handler, a server
// made by its own wgowrt, and a phone streaming pings to the router's
// tunnel address (20 a second) while, on the router,
//
//   - `wgowrt peer add tablet` adds a peer,
//   - `wgowrt uci set ...persistent_keepalive` + `uci commit` + `wgowrt sync`
//     changes it (the path LuCI's Save & Apply takes through the service),
//   - `wgowrt peer remove tablet` removes it,
//
// each through wgowrt's normal apply (ubus to netifd and the firewall,
// wgctrl into the running device, `renew` on 25.12). Not one ping may be
// lost and the phone's latest handshake must not move (a re-created link
// or a re-set peer would force a new one). The numbers are logged with
// the prefix "hitless:".
func TestHitlessPeerChanges(t *testing.T) {
	for _, h := range []string{"24.10", "25.12"} {
		t.Run(h, func(t *testing.T) { hitless(t, h) })
	}
}

var pingStats = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

func hitless(t *testing.T, handler string) {
	l := lab.New(t)
	inet := internet(t, l)
	site := buildSite(t, l, "router", stockConfig(t, "192.168.1", "203.0.113", ""), handler, inet, stockWiring("r1", "203.0.113.1/24", "192.168.1.10/24", "192.168.1.1"))
	r := site.r
	r.Wgowrt("server", "init", "--endpoint", "203.0.113.2", "--ipv6", "off")
	r.FollowAdvice()
	r.Settle("wg0")
	conf := r.Wgowrt("peer", "add", "phone", "--keepalive", "0")
	r.FollowAdvice()
	r.Settle("wg0")
	phone := attach(t, l, "phone", inet, "p1", "198.51.100.1/24", "198.51.100.10/24")
	wgQuick(t, phone, "wg", conf)
	eventually(t, "phone -> router's tunnel address", func() lab.Result { return phone.Ping("10.8.0.1") }, "")
	phoneKey := confPublicKey(t, conf)
	first := latestHandshake(t, r, phoneKey)
	if first == 0 {
		t.Fatal("the phone has no handshake after its ping went through")
	}
	// Let the session settle past WireGuard's REKEY_TIMEOUT (5 s): a
	// handshake the start-up itself set off (seen here now and then,
	// with either handler, exactly 5 s after the first) is not the
	// changes' doing.
	time.Sleep(time.Until(time.Unix(first, 0).Add(6500 * time.Millisecond)))
	before := latestHandshake(t, r, phoneKey)
	t.Logf("hitless: handler %s: phone first handshake %s, %s when the stream starts", handler,
		time.Unix(first, 0).UTC().Format(time.TimeOnly), time.Unix(before, 0).UTC().Format(time.TimeOnly))
	ifindex := r.MustRun("cat", "/sys/class/net/wg0/ifindex")

	const interval, count = 0.05, 200 // 10 s of pings
	ping := phone.Command("ping", "-n", "-q", "-i", fmt.Sprint(interval), "-c", strconv.Itoa(count), "-W", "1", "10.8.0.1")
	var out bytes.Buffer
	ping.Stdout, ping.Stderr = &out, &out
	start := time.Now()
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	var steps []string
	step := func(what string) {
		steps = append(steps, fmt.Sprintf("%s at %.1f s: phone handshake %s", what, time.Since(start).Seconds(),
			time.Unix(latestHandshake(t, r, phoneKey), 0).UTC().Format(time.TimeOnly)))
	}
	r.Wgowrt("peer", "add", "tablet")
	r.Settle()
	step("added")
	if !strings.Contains(r.MustExec("wg", "show", "wg0", "peers"), tabletKey(t, r)) {
		t.Error("the added peer is not in the running wg0")
	}
	r.Wgowrt("uci", "set", "network.wgowrt_wg0_tablet.persistent_keepalive=15")
	r.Wgowrt("uci", "commit", "network")
	r.Wgowrt("sync")
	r.Settle()
	step("changed")
	if ka := r.MustExec("wg", "show", "wg0", "persistent-keepalive"); !strings.Contains(ka, tabletKey(t, r)+"\t15") {
		t.Errorf("the changed keepalive did not reach the running wg0:\n%s", ka)
	}
	removed := tabletKey(t, r)
	r.Wgowrt("peer", "remove", "tablet")
	r.Settle()
	step("removed")
	if strings.Contains(r.MustExec("wg", "show", "wg0", "peers"), removed) {
		t.Error("the removed peer is still in the running wg0")
	}
	stepsDone := time.Since(start)
	err := ping.Wait()
	m := pingStats.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("ping: %v\n%s", err, out.String())
	}
	sent, _ := strconv.Atoi(m[1])
	received, _ := strconv.Atoi(m[2])
	after := latestHandshake(t, r, phoneKey)
	t.Logf("hitless: handler %s: %d pings sent over %.1f s, %d received, %d lost; phone latest handshake %s before, %s after (changes done %.1f s into the stream); wg0 ifindex %s -> %s",
		handler, sent, float64(count)*interval, received, sent-received, time.Unix(before, 0).UTC().Format(time.TimeOnly),
		time.Unix(after, 0).UTC().Format(time.TimeOnly), stepsDone.Seconds(), strings.TrimSpace(ifindex), strings.TrimSpace(r.MustRun("cat", "/sys/class/net/wg0/ifindex")))
	t.Logf("hitless: handler %s: %s", handler, strings.Join(steps, "; "))
	if stepsDone > time.Duration(float64(count)*interval*float64(time.Second)) {
		t.Errorf("the peer changes took %s, longer than the ping stream: not all of them were covered", stepsDone)
	}
	if sent != count || received != sent {
		t.Errorf("%d of %d pings lost while a peer was added, changed and removed", sent-received, sent)
	}
	if after != before {
		t.Errorf("the phone's latest handshake moved from %d to %d: its session was disturbed", before, after)
	}

	// Control: what wgowrt avoids, `ifup wg0` (netifd sets the interface
	// up again), shows in the same measures: the router's new device has
	// no session with the phone (latest handshake 0), and the phone's
	// pings are lost until it gives up on its old session (about 15 s
	// without keepalive: WireGuard's keepalive + rekey timeouts).
	r.Ifup("wg0")
	r.Settle("wg0")
	ctl := phone.Command("ping", "-n", "-q", "-i", fmt.Sprint(interval), "-c", "40", "-W", "1", "10.8.0.1")
	ctlOut, _ := ctl.CombinedOutput()
	cm := pingStats.FindStringSubmatch(string(ctlOut))
	if cm == nil {
		t.Fatalf("control ping:\n%s", ctlOut)
	}
	cs, _ := strconv.Atoi(cm[1])
	cr, _ := strconv.Atoi(cm[2])
	control := latestHandshake(t, r, phoneKey)
	t.Logf("hitless: handler %s: control: after `ifup wg0`: %d of %d pings lost, phone latest handshake %d (was %s), wg0 ifindex %s",
		handler, cs-cr, cs, control, time.Unix(before, 0).UTC().Format(time.TimeOnly), strings.TrimSpace(r.MustRun("cat", "/sys/class/net/wg0/ifindex")))
	if control == before || cr == cs {
		t.Error("control: `ifup wg0` neither lost pings nor reset the phone's session: the measures cannot see a disturbed session")
	}
}

// confPublicKey is the public key of a printed client config's PrivateKey.
func confPublicKey(t *testing.T, conf string) string {
	t.Helper()
	for _, line := range strings.Split(conf, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "PrivateKey" {
			key, err := wgtypes.ParseKey(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return key.PublicKey().String()
		}
	}
	t.Fatalf("no PrivateKey in:\n%s", conf)
	return ""
}

// tabletKey is the tablet's public key from the router's UCI.
func tabletKey(t *testing.T, r *lab.Router) string {
	t.Helper()
	return strings.TrimSpace(r.MustExec("uci", "get", "network.wgowrt_wg0_tablet.public_key"))
}

// latestHandshake is the real `wg show wg0 latest-handshakes` for key.
func latestHandshake(t *testing.T, r *lab.Router, key string) int64 {
	t.Helper()
	for _, line := range strings.Split(r.MustExec("wg", "show", "wg0", "latest-handshakes"), "\n") {
		if k, v, ok := strings.Cut(line, "\t"); ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	t.Fatalf("no peer %s in wg0", key)
	return 0
}
