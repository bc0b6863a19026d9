package uci

// BatchReader splits `uci batch` input into commands with uci's quoting
// rules: one command per line (quoted values may span lines), words split
// on whitespace, quotes and backslashes as in config files.
type BatchReader struct {
	p *parser
}

// MaxBatchArgs is the most words a batch command may have.
const MaxBatchArgs = 4

// NewBatchReader reads commands from data.
func NewBatchReader(data []byte) *BatchReader {
	return &BatchReader{p: &parser{src: data, strict: true}}
}

// Next returns the words of the next command. done is true when the input
// is exhausted. A line that does not parse, or has more than MaxBatchArgs
// words, returns an error; reading may go on with the next line.
func (b *BatchReader) Next() (args []string, done bool, err error) {
	p := b.p
	if p.eof {
		return nil, true, nil
	}
	p.pos = 0
	p.getln(0)
	for {
		arg, _, ok := p.argumentErr()
		if !ok.ok {
			return nil, false, ok.err
		}
		if arg == "" {
			return args, false, nil
		}
		if len(args) == MaxBatchArgs {
			return nil, false, errf(ErrInval, "too many arguments")
		}
		args = append(args, arg)
	}
}

type argResult struct {
	ok  bool
	err *Error
}

func (p *parser) argumentErr() (arg, rest string, res argResult) {
	defer func() {
		if r := recover(); r != nil {
			a, isAbort := r.(parseAbort)
			if !isAbort {
				panic(r)
			}
			res = argResult{false, a.err}
		}
	}()
	v := p.nextArg(false, false, false)
	return p.str(v), p.str(p.pos), argResult{ok: true}
}
