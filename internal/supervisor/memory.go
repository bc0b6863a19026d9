package supervisor

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the Go runtime's soft memory limit (heap, stacks and
// runtime data) the supervisor sets for itself unless GOMEMLIMIT is given.
// Without it the runtime lets the heap grow to twice the live data before
// collecting; with 200 peers that put the process at 8.2-9.6 MB VmRSS on
// MIPS (qemu-system tier), with it at about 7 MB, the target being
// under 8 MB. The supervisor allocates only while it ticks, so a live heap
// above the limit (thousands of peers) costs extra collections during a
// tick, never CPU while idle.
const MemoryLimit = 3 << 20

func limitMemory() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(MemoryLimit)
	}
}
