package cli

import (
	"fmt"
	"io"
	"os"
)

// readFileArg reads a file named on the command line ("-" is not special
// here; callers that accept stdin handle it themselves).
func readFileArg(name string) ([]byte, error) { return os.ReadFile(name) }

// readBounded reads a small file named on the command line (a key),
// refusing more than maxConfigFile bytes (/dev/zero would otherwise fill
// memory). Errors read like os.ReadFile's.
func readBounded(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxConfigFile {
		return nil, fmt.Errorf("%s is larger than %d KiB, which no key is", name, maxConfigFile>>10)
	}
	return data, nil
}
