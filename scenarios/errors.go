package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a scenario. Parse and Validate return either one *Error or several
// joined with errors.Join (in document order); errors.As finds the first.
type Error struct {
	File   string // the file name given to Parse; empty from Validate
	Field  string // YAML path such as "network.access.wifi.latency.median" or "providers[1].role"; empty for syntax errors
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Msg    string // what is wrong and what is allowed
}

// Error formats e as "FILE:LINE:COL: FIELD: MSG", leaving out LINE:COL when the position is
// unknown and each of FILE and FIELD when empty.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// maxErrors is how many errors joinErrors reports before summing up the rest.
const maxErrors = 20

// joinErrors sorts errs into document order (errors without a position last, in the order
// found) and returns nil, the single error, or all of them joined; past maxErrors, a last
// error counts the ones left out.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	if len(errs) > maxErrors {
		more := &Error{File: errs[0].File, Msg: fmt.Sprintf("and %d more problems", len(errs)-maxErrors)}
		errs = append(errs[:maxErrors:maxErrors], more)
	}
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}
