package serial

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Shell runs commands on a shell at the other end of a Console. Each
// command is framed by two markers the shell prints, written as ""-split
// words so that the console's echo of the command line never contains
// them; the output between them is the command's.
type Shell struct {
	C       *Console
	Timeout time.Duration // per command, unless RunFor says otherwise
	Say     func(format string, a ...any)
	n       int
}

// Run types cmd, waits up to s.Timeout for its end marker and returns its
// output (without \r, trimmed) and exit status.
func (s *Shell) Run(step, cmd string) (string, int, error) {
	return s.RunFor(step, cmd, s.Timeout)
}

// RunFor is Run with its own timeout.
func (s *Shell) RunFor(step, cmd string, d time.Duration) (string, int, error) {
	s.n++
	tag := fmt.Sprintf("@@WGO-%d-", s.n)
	line := fmt.Sprintf(`echo %s""BEGIN@@; %s; echo %s""RC=$?@@`, tag, cmd, tag) + "\n"
	if err := s.C.Send(line); err != nil {
		return "", 0, &StepError{Step: step, Msg: "console write: " + err.Error()}
	}
	re := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(tag+"BEGIN@@") + `\r?\n(.*?)` + regexp.QuoteMeta(tag+"RC=") + `(\d+)@@`)
	m, err := s.C.Expect(step, re, d)
	if err != nil {
		return "", 0, err
	}
	rc, _ := strconv.Atoi(m[2])
	out := strings.TrimSpace(strings.ReplaceAll(m[1], "\r", ""))
	if s.Say != nil {
		s.Say("     $ %s  -> exit %d", cmd, rc)
	}
	return out, rc, nil
}

// Must runs cmd and fails the step unless it exits 0.
func (s *Shell) Must(step, cmd string) (string, error) {
	return s.MustFor(step, cmd, s.Timeout)
}

// MustFor is Must with its own timeout.
func (s *Shell) MustFor(step, cmd string, d time.Duration) (string, error) {
	out, rc, err := s.RunFor(step, cmd, d)
	if err != nil {
		return "", err
	}
	if rc != 0 {
		return out, &StepError{Step: step, Msg: fmt.Sprintf("`%s` exited %d:\n%s", cmd, rc, out)}
	}
	return out, nil
}
