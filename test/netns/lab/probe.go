package lab

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"time"
)

// ProbeTimeout bounds every reachability probe: long enough for a WireGuard
// handshake inside one machine, short enough that "does not reach" is cheap.
var ProbeTimeout = 2 * time.Second

// Outcome classifies a probe so tests can tell a REJECT (refused) from a
// DROP (timeout) from a missing route (unreachable).
type Outcome string

// Probe outcomes.
const (
	Reached     Outcome = "reached"
	Refused     Outcome = "refused"
	TimedOut    Outcome = "timeout"
	Unreachable Outcome = "unreachable"
	Failed      Outcome = "failed"
)

// Result is what a probe observed. Seen is the client address ("ip:port") as
// the echo server saw it, so tests can assert which source a packet carried.
type Result struct {
	Outcome Outcome
	Seen    string
	Err     error
}

// SeenIP is the IP part of Seen.
func (r Result) SeenIP() string {
	host, _, err := net.SplitHostPort(r.Seen)
	if err != nil {
		return r.Seen
	}
	return host
}

func (r Result) String() string {
	if r.Outcome == Reached {
		return "reached, seen as " + r.Seen
	}
	return string(r.Outcome) + ": " + errString(r.Err)
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// ServeTCPEcho listens on addr ("ip:port") inside n. Each connection gets one
// line back: the remote address the server saw. Stopped at cleanup.
func (n *NS) ServeTCPEcho(addr string) {
	n.lab.t.Helper()
	var ln net.Listener
	err := n.Do(func() (err error) {
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		n.lab.t.Fatalf("%s: listen tcp %s: %v", n.Name, addr, err)
	}
	n.lab.onCleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte(c.RemoteAddr().String() + "\n"))
			c.Close()
		}
	}()
}

// ServeUDPEcho is ServeTCPEcho for UDP: every datagram is answered with the
// sender address.
func (n *NS) ServeUDPEcho(addr string) {
	n.lab.t.Helper()
	var pc net.PacketConn
	err := n.Do(func() (err error) {
		pc, err = net.ListenPacket("udp", addr)
		return err
	})
	if err != nil {
		n.lab.t.Fatalf("%s: listen udp %s: %v", n.Name, addr, err)
	}
	n.lab.onCleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo([]byte(from.String()+"\n"), from)
		}
	}()
}

// TCP connects from n to addr (optionally from local address src, "" for
// any) and reads the echo line.
func (n *NS) TCP(addr, src string) Result {
	var conn net.Conn
	err := n.Do(func() (err error) {
		d := net.Dialer{Timeout: ProbeTimeout}
		if src != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
		}
		conn, err = d.Dial("tcp", addr)
		return err
	})
	if err != nil {
		return classify(err)
	}
	defer conn.Close()
	return readEcho(conn)
}

// UDP sends one datagram from n to addr and waits for the echo, retrying a
// few times because the first packet may be spent on a WireGuard handshake.
func (n *NS) UDP(addr, src string) Result {
	var conn net.Conn
	err := n.Do(func() (err error) {
		d := net.Dialer{}
		if src != "" {
			d.LocalAddr = &net.UDPAddr{IP: net.ParseIP(src)}
		}
		conn, err = d.Dial("udp", addr)
		return err
	})
	if err != nil {
		return classify(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(ProbeTimeout)
	var last Result
	for time.Now().Before(deadline) {
		if _, err := conn.Write([]byte("ping\n")); err != nil {
			last = classify(err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		last = readEcho(conn)
		if last.Outcome == Reached || last.Outcome == Refused {
			return last
		}
	}
	return last
}

func readEcho(conn net.Conn) Result {
	_ = conn.SetReadDeadline(time.Now().Add(ProbeTimeout))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return classify(err)
	}
	return Result{Outcome: Reached, Seen: strings.TrimSpace(line)}
}

func classify(err error) Result {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Result{Outcome: Refused, Err: err}
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return Result{Outcome: Unreachable, Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return Result{Outcome: TimedOut, Err: err}
	}
	return Result{Outcome: Failed, Err: err}
}

// Ping sends ICMP echo requests from n to dst with ping(8) and reports
// whether one was answered within ProbeTimeout.
func (n *NS) Ping(dst string) Result {
	secs := int(ProbeTimeout / time.Second)
	out, err := n.Run("ping", "-n", "-c", "1", "-W", itoa(secs), dst)
	if err != nil {
		if strings.Contains(out, "Unreachable") || strings.Contains(out, "unreachable") {
			return Result{Outcome: Unreachable, Err: err}
		}
		return Result{Outcome: TimedOut, Err: err}
	}
	return Result{Outcome: Reached, Seen: dst}
}
