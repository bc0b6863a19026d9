// Package serial drives a guest's serial console from the host: an expect-style
// reader (Console) and a shell session on it whose commands' output and exit
// status come back framed by markers (Shell). test/qemu/owrtdrive and
// test/qemu/owrtvm use it.
package serial

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Console is an expect-style view of a serial console: everything read is
// logged and buffered; Expect consumes the buffer up to the end of a match.
type Console struct {
	w io.Writer

	mu     sync.Mutex
	buf    []byte
	err    error // read error, set once the console is gone
	notify chan struct{}
}

// NewConsole starts reading r (the guest's console output) in the
// background, copying it to log; w carries keystrokes to the guest.
func NewConsole(r io.Reader, w io.Writer, log io.Writer) *Console {
	c := &Console{w: w, notify: make(chan struct{}, 1)}
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := r.Read(b)
			c.mu.Lock()
			if n > 0 {
				_, _ = log.Write(b[:n])
				c.buf = append(c.buf, b[:n]...)
			}
			if err != nil {
				c.err = err
			}
			c.mu.Unlock()
			select {
			case c.notify <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// Send types s on the console.
func (c *Console) Send(s string) error {
	_, err := io.WriteString(c.w, s)
	return err
}

// Closed reports whether the console's output has ended (qemu exited).
func (c *Console) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err != nil
}

// StepError is a failed step: which step, why, and the console's last
// output for the report.
type StepError struct {
	Step string
	Msg  string
	Tail string
}

func (e *StepError) Error() string {
	s := fmt.Sprintf("step %q: %s", e.Step, e.Msg)
	if e.Tail != "" {
		s += "\n--- last console output:\n" + e.Tail
	}
	return s
}

// Expect waits up to d for re in the console output of step and returns
// its submatches; the output up to the end of the match is consumed.
func (c *Console) Expect(step string, re *regexp.Regexp, d time.Duration) ([]string, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		if m := re.FindSubmatchIndex(c.buf); m != nil {
			out := make([]string, len(m)/2)
			for i := range out {
				if m[2*i] >= 0 {
					out[i] = string(c.buf[m[2*i]:m[2*i+1]])
				}
			}
			c.buf = c.buf[m[1]:]
			c.mu.Unlock()
			return out, nil
		}
		err, tail := c.err, tailOf(c.buf)
		c.mu.Unlock()
		if err != nil {
			return nil, &StepError{step, fmt.Sprintf("console closed (%v) before %q appeared", err, re), tail}
		}
		select {
		case <-c.notify:
		case <-deadline.C:
			return nil, &StepError{step, fmt.Sprintf("timed out after %s waiting for %q", d, re), tail}
		}
	}
}

func tailOf(b []byte) string {
	const n = 600
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.ReplaceAll(string(b), "\r", "")
}
