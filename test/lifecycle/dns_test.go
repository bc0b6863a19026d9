package lifecycle

import (
	"bytes"
	be "encoding/binary"
	"fmt"
	"github.com/wgowrt/wgowrt/internal/testenv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// TestMain lets the test binary act as a LAN host's DNS client inside a
// container's wire namespace (LIFE_DNS_QUERY=SERVER,NAME).
func TestMain(m *testing.M) {
	if q := os.Getenv("LIFE_DNS_QUERY"); q != "" {
		server, name, _ := strings.Cut(q, ",")
		a, err := queryA(server, name)
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("answer", a)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// queryA asks server for name's A record over UDP.
func queryA(server, name string) (net.IP, error) {
	var q bytes.Buffer
	be.Write(&q, be.BigEndian, [6]uint16{0x4c1f, 0x0100, 1, 0, 0, 0})
	for _, l := range strings.Split(name, ".") {
		q.WriteByte(byte(len(l)))
		q.WriteString(l)
	}
	q.Write([]byte{0, 0, 1, 0, 1})
	c, err := net.DialTimeout("udp", net.JoinHostPort(server, "53"), 3*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := c.Write(q.Bytes()); err != nil {
		return nil, err
	}
	b := make([]byte, 512)
	n, err := c.Read(b)
	if err != nil {
		return nil, err
	}
	if n < 16 || be.BigEndian.Uint16(b[6:8]) == 0 {
		return nil, fmt.Errorf("no answer (rcode %d)", b[3]&0xf)
	}
	return net.IP(b[n-4 : n]), nil
}

// container is an owrt-boot container.
type container struct {
	t          *testing.T
	tool, name string
}

func (c *container) run(stdin string, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(c.tool, append([]string{c.name}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("owrt-boot %s %s: %v\n%s", c.name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (c *container) exec(args ...string) string {
	return c.run("", append([]string{"exec"}, args...)...)
}

func owrtBoot(t *testing.T) string {
	tool := testenv.OracleTool(t, "owrt-boot")
	oracle := os.Getenv("OWRT_ORACLE")
	if oracle == "" {
		oracle = "/opt/owrt-oracle"
	}
	if _, err := os.Stat(filepath.Join(oracle, ".boot-rootfs/usr/sbin/dnsmasq")); err != nil {
		testenv.SkipOrFail(t, "the oracle has no boot rootfs with dnsmasq (install.sh without --no-boot)")
	}
	return tool
}

func bootContainer(t *testing.T, tool, tag string, files map[string]string, args ...string) *container {
	t.Helper()
	cfg := t.TempDir()
	for n, s := range files {
		os.WriteFile(filepath.Join(cfg, n), []byte(s), 0600)
	}
	c := &container{t: t, tool: tool, name: fmt.Sprintf("l%d%s", os.Getpid()%100000, tag)}
	c.run("", append([]string{"up", "--config", cfg}, args...)...)
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command(tool, c.name, "exec", "logread").CombinedOutput()
			t.Logf("%s logread:\n%s", c.name, out)
		}
		testenv.BootDown(tool, c.name)
	})
	return c
}

// providerFiles: a VPN provider with a WireGuard server (10.64.0.1) and
// dnsmasq answering every *.example.org, logging each query with its
// source; it is also the ISP's resolver on its wan address 203.0.113.1.
func providerFiles(own wgtypes.Key, router wgtypes.Key) map[string]string {
	return map[string]string{
		"network": "\nconfig interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n" +
			"\nconfig interface 'wan'\n\toption device 'wan'\n\toption proto 'static'\n\toption ipaddr '203.0.113.1'\n\toption netmask '255.255.255.0'\n" +
			"\nconfig interface 'wg0'\n\toption proto 'wireguard'\n\toption private_key '" + own.String() + "'\n\toption listen_port '51820'\n\tlist addresses '10.64.0.1/24'\n" +
			"\nconfig wireguard_wg0\n\toption public_key '" + router.PublicKey().String() + "'\n\tlist allowed_ips '10.64.0.2/32'\n",
		"firewall": "\nconfig defaults\n\toption input 'ACCEPT'\n\toption output 'ACCEPT'\n\toption forward 'ACCEPT'\n" +
			"\nconfig zone\n\toption name 'all'\n\tlist network 'wan'\n\tlist network 'wg0'\n\toption input 'ACCEPT'\n\toption output 'ACCEPT'\n\toption forward 'ACCEPT'\n",
		"dhcp": "\nconfig dnsmasq\n\toption logqueries '1'\n\toption localservice '0'\n\toption noresolv '1'\n\tlist address '/example.org/93.184.216.34'\n",
	}
}

// wanCapture counts DNS packets arriving on the provider's wan: what the
// router would leak to the ISP's resolver, or to anyone on wan.
const wanCapture = `table inet lifecap {
	chain c {
		type filter hook prerouting priority -300; policy accept;
		iifname "wan" udp dport 53 counter add @seen { ip saddr . ip daddr . udp sport }
		iifname "wan" tcp dport 53 counter
	}
	set seen {
		type ipv4_addr . ipv4_addr . inet_service
		flags dynamic
	}
}
`

// restartCapture starts counting from zero (a rule's own counter is not
// reset by 'nft reset counters').
func restartCapture(p *container) {
	p.exec("nft", "delete", "table", "inet", "lifecap")
	p.run(wanCapture, "exec", "nft", "-f", "-")
}

var counterRE = regexp.MustCompile(`counter packets (\d+)`)

func wanDNSPackets(p *container) int {
	n := 0
	for _, m := range counterRE.FindAllStringSubmatch(p.exec("nft", "list", "table", "inet", "lifecap"), -1) {
		var k int
		fmt.Sscan(m[1], &k)
		n += k
	}
	return n
}

// TestFullTunnelLeaksNoDNS, in OpenWrt containers (procd, the real
// dnsmasq and its init script, netifd, fw4): with a full tunnel a LAN
// host and the router itself resolve names through the tunnel at the
// provider's resolver, and not one DNS packet crosses wan; after client
// remove the ISP's resolver answers again and /etc/config/dhcp is back
// byte for byte. Cost: about 30 s (two containers).
func TestFullTunnelLeaksNoDNS(t *testing.T) {
	tool := owrtBoot(t)
	bin := binary(t)
	pk, rk := keys(t)
	prov := bootContainer(t, tool, "p", providerFiles(pk, rk))
	network, firewall := exampleFiles(t, "203.0.113.2")
	network = strings.Replace(network, "\toption ipaddr '203.0.113.2'\n\toption netmask '255.255.255.0'\n",
		"\toption ipaddr '203.0.113.2'\n\toption netmask '255.255.255.0'\n\toption gateway '203.0.113.1'\n\tlist dns '203.0.113.1'\n", 1)
	dhcp, err := os.ReadFile("../../examples/router/etc/config/dhcp")
	if err != nil {
		t.Fatal(err)
	}
	r := bootContainer(t, tool, "r", map[string]string{"network": network, "firewall": firewall, "dhcp": string(dhcp)},
		"--link", "wan="+prov.name+":wan")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	r.run(string(b), "exec", "sh", "-c", "cat > /usr/sbin/wgowrt && chmod 755 /usr/sbin/wgowrt")
	prov.run(wanCapture, "exec", "nft", "-f", "-")
	lan := func(name string) string {
		cmd := exec.Command(tool, r.name, "wire", os.Args[0])
		cmd.Env = append(os.Environ(), "LIFE_DNS_QUERY=192.168.1.1,"+name)
		out, _ := cmd.CombinedOutput()
		return string(out)
	}
	r.run("", "wire", "sh", "-c", "ip addr add 192.168.1.50/24 dev lan1 && ip route add default via 192.168.1.1")
	resolves := func(who, name, from string) {
		t.Helper()
		var out string
		eventually(t, who+" resolves "+name, func() bool {
			if who == "the router" {
				b, _ := exec.Command(tool, r.name, "exec", "nslookup", name, "127.0.0.1").CombinedOutput()
				out = string(b)
				return strings.Contains(out, "93.184.216.34")
			}
			out = lan(name)
			return strings.Contains(out, "answer 93.184.216.34")
		})
		if log := prov.exec("logread", "-e", "query\\[A\\] "+name); !strings.Contains(log, "from "+from) {
			t.Errorf("%s's query for %s did not reach the resolver from %s:\n%s", who, name, from, log)
		}
	}
	resolves("the router", "before.example.org", "203.0.113.2")
	if wanDNSPackets(prov) == 0 {
		t.Fatal("the wan capture saw no DNS before the tunnel: it proves nothing")
	}
	restartCapture(prov)

	conf := fmt.Sprintf("[Interface]\nPrivateKey = %s\nAddress = 10.64.0.2/32\nDNS = 10.64.0.1\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 0.0.0.0/0\nEndpoint = 203.0.113.1:51820\nPersistentKeepalive = 5\n",
		rk, pk.PublicKey())
	oldPid := strings.TrimSpace(r.exec("pidof", "dnsmasq"))
	r.run(conf, "exec", "wgowrt", "client", "import", "-", "--iface", "wgc", "--kill-switch")
	eventually(t, "wgc handshakes", func() bool {
		out, _ := exec.Command(tool, r.name, "exec", "wg", "show", "wgc", "latest-handshakes").CombinedOutput()
		f := strings.Fields(string(out))
		return len(f) == 2 && f[1] != "0"
	})
	// procd restarts dnsmasq on the dhcp config.change wgowrt sends;
	// until then the old instance runs with wan's resolvers, as before.
	eventually(t, "a new dnsmasq runs with no-resolv", func() bool {
		out, _ := exec.Command(tool, r.name, "exec", "sh", "-c", "grep -l no-resolv /var/etc/dnsmasq.conf.* >/dev/null && pidof dnsmasq").CombinedOutput()
		pid := strings.TrimSpace(string(out))
		return pid != "" && !strings.Contains(pid, " ") && pid != oldPid
	})
	time.Sleep(time.Second)
	restartCapture(prov)
	resolves("the router", "router.example.org", "10.64.0.2")
	resolves("a LAN host", "lanhost.example.org", "10.64.0.2")
	if n := wanDNSPackets(prov); n != 0 {
		t.Errorf("%d DNS packet(s) crossed wan with the full tunnel up:\n%s", n, prov.exec("nft", "list", "set", "inet", "lifecap", "seen"))
	}

	r.exec("wgowrt", "client", "remove", "--iface", "wgc")
	resolves("the router", "after.example.org", "203.0.113.2")
	if got := r.exec("cat", "/etc/config/dhcp"); got != string(dhcp) {
		t.Errorf("/etc/config/dhcp not restored:\n%s", got)
	}
}
