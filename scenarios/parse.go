package scenarios

import (
	"io"
	"os"
)

// Parse reads a scenario from data, applies Defaults and validates the result against lim. file
// names the source in error messages only.
//
// Errors come in two rounds, each reported whole, in document order, as one *Error or several
// joined with errors.Join: first what stops the file from being read (invalid YAML, unknown
// fields, wrong types, bad durations, duplicate keys), then, only if there was none of those,
// every rule the values break. Each *Error names the file, the field's YAML path and, when the
// field was written, its line and column; for a missing field, the line and column of the
// nearest enclosing field that was written.
func Parse(file string, data []byte, lim Limits) (*Scenario, error) {
	s, locs, errs := decodeFile(file, data)
	if len(errs) > 0 {
		return nil, joinErrors(errs)
	}
	c := &checker{lim: lim, file: file, locs: locs}
	c.zeroWritten(s)
	s.Defaults()
	c.check(s)
	if err := joinErrors(c.errs); err != nil {
		return nil, err
	}
	return s, nil
}

// Load reads and parses the scenario file at path; see Parse. Reading it fails with the error
// of package os (which names the path) or with an *Error if it is larger than MaxFileBytes.
func Load(path string, lim Limits) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	return Parse(path, data, lim)
}
