package cli

import "os"

// readFileArg reads a file named on the command line ("-" is not special
// here; callers that accept stdin handle it themselves).
func readFileArg(name string) ([]byte, error) { return os.ReadFile(name) }
