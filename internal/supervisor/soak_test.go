package supervisor

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// soak runs Run for 24 simulated hours (fake clock, 30 s ticks) with n
// host-name peers whose names move every 37 minutes (a third of them),
// whose handshakes come and go, with wan events every 2 hours and a
// config reload every 3 hours; it returns the goroutine count and live
// heap, the largest of the samples taken every 2 hours in the first and
// in the second half of the day.
func soak(t testing.TB, n int) (g1, g24 int, h1, h24 uint64, lookups int) {
	r := newRig(n)
	r.s.Log = func(string) {}
	events := 0
	r.s.Notify = func(Event) { events++ }
	wan := make(chan string)
	reload := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.s.Run(ctx, Signals{Wan: wan, Reload: reload}) }()
	waitTimer := func() {
		for r.clock.Waiters() == 0 {
			runtime.Gosched()
		}
	}
	measure := func() (int, uint64) {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return runtime.NumGoroutine(), m.HeapAlloc
	}
	for step := 1; step <= 24*120; step++ {
		now := t0.Add(time.Duration(step) * 30 * time.Second)
		for i := 0; i < n; i++ {
			if i%3 == 0 && step%74 == 0 {
				r.dns.set(r.ops.targets[i].Host, fmt.Sprintf("198.51.%d.%d", step%200, i%250))
			}
			if (i+step)%7 != 0 { // most peers handshake, some go quiet
				r.ops.handshake(i, now.Add(-time.Duration((i+step)%300)*time.Second))
			}
		}
		waitTimer()
		switch {
		case step%240 == 0:
			wan <- "wan"
		case step%360 == 0:
			reload <- struct{}{}
		default:
			r.clock.Advance(30 * time.Second)
		}
		r.ops.takePushes()
		if step%240 == 0 { // every 2 hours: the larger heap of each half day
			g, h := measure()
			if step <= 12*120 {
				g1, h1 = max(g1, g), max(h1, h)
			} else {
				g24, h24 = max(g24, g), max(h24, h)
			}
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("Go runtime after 24 h: Sys %d KiB (memory obtained from the OS), HeapInuse %d KiB, StackInuse %d KiB", m.Sys>>10, m.HeapInuse>>10, m.StackInuse>>10)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if events == 0 {
		t.Fatal("no events in 24 hours of flapping")
	}
	return g1, g24, h1, h24, r.dns.lookups
}

// TestSoak: 24 simulated hours with 200 flapping peers leave the
// goroutine count unchanged and the live heap bounded: the largest heap
// of the second half-day is no more than 64 KiB above the first's.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: -short")
	}
	g1, g24, h1, h24, lookups := soak(t, 200)
	t.Logf("200 peers, 24 h: goroutines %d -> %d, peak heap %d -> %d bytes (first -> second half-day), %d look-ups", g1, g24, h1, h24, lookups)
	if g24 > g1 {
		t.Errorf("goroutines grew: %d in the first half-day, %d in the second", g1, g24)
	}
	if h24 > h1+64<<10 {
		t.Errorf("heap grew: peak %d bytes in the first half-day, %d in the second", h1, h24)
	}
}

// BenchmarkSoak24h reports the cost of one simulated day with 200 peers.
func BenchmarkSoak24h(b *testing.B) {
	for i := 0; i < b.N; i++ {
		g1, g24, h1, h24, _ := soak(b, 200)
		b.ReportMetric(float64(g24-g1), "goroutine-growth")
		b.ReportMetric(float64(int64(h24)-int64(h1)), "heap-growth-B")
	}
}
