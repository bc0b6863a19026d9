package supervise

import (
	"os"
)

func oracleDir() string {
	if d := os.Getenv("OWRT_ORACLE"); d != "" {
		return d
	}
	return "/opt/owrt-oracle"
}
