package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// InvariantsFile is the file Write adds when Options.Invariants is set.
const InvariantsFile = "invariants.json"

// Invariants is what a run checked about itself (written as invariants.json): each invariant
// with its verdict, how much it checked and the first counter-example when it failed, and
// the events clients refused, by member and kind.
type Invariants struct {
	Seed       uint64      `json:"seed"`
	Passed     bool        `json:"passed"`
	Invariants []Invariant `json:"invariants"`
	Refusals   []Refusal   `json:"refusals"` // sorted by member, then kind
}

// Invariant is one checked property of a run.
type Invariant struct {
	Name    string `json:"name"`   // e.g. "nothing_lost"
	Title   string `json:"title"`  // one sentence: what must hold
	Method  string `json:"method"` // how it was checked, what was left out and why
	Passed  bool   `json:"passed"`
	Checked int64  `json:"checked"` // number of checked items, in Unit
	Unit    string `json:"unit"`    // e.g. "deliveries"
	// Violations is the number of checked items that broke the invariant.
	Violations int64 `json:"violations"`
	// Counts are further named totals, in a fixed order per invariant.
	Counts []Count `json:"counts"`
	// Counter is the first violation in virtual time, nil when none.
	Counter *CounterExample `json:"counter_example,omitempty"`
}

// Count is one named total.
type Count struct {
	Name  string `json:"name"`
	Value int64  `json:"value"`
}

// CounterExample is one violation: when, who, which message or epoch, what happened.
type CounterExample struct {
	TimeNs    int64    `json:"time_ns"`              // virtual time
	Actors    []string `json:"actors"`               // clients, providers
	MessageID int64    `json:"message_id,omitempty"` // ledger id, when a message is concerned
	Epoch     uint64   `json:"epoch"`
	Detail    string   `json:"detail"`
}

// Refusal counts the events one member refused, of one kind.
type Refusal struct {
	Member string `json:"member"`
	Kind   string `json:"kind"`
	Count  int64  `json:"count"`
}

// Failed returns the first failed invariant, or nil.
func (v *Invariants) Failed() *Invariant {
	for i := range v.Invariants {
		if !v.Invariants[i].Passed {
			return &v.Invariants[i]
		}
	}
	return nil
}

// Error formats a failed invariant with its counter-example and the seed to replay it.
func (inv *Invariant) Error(seed uint64) string {
	s := fmt.Sprintf("invariant %s violated (%d of %d %s): %s", inv.Name, inv.Violations, inv.Checked, inv.Unit, inv.Title)
	if c := inv.Counter; c != nil {
		s += fmt.Sprintf("; first counter-example at virtual %v, epoch %d", time.Duration(c.TimeNs), c.Epoch)
		if c.MessageID != 0 {
			s += fmt.Sprintf(", message %d", c.MessageID)
		}
		if len(c.Actors) > 0 {
			s += ", actors " + strings.Join(c.Actors, ", ")
		}
		s += ": " + c.Detail
	}
	return s + fmt.Sprintf("; replay with --seed %d", seed)
}

// Note returns the one-line manifest note that summarises the verdicts.
func (v *Invariants) Note() string {
	names := make([]string, len(v.Invariants))
	for i, inv := range v.Invariants {
		names[i] = inv.Name
	}
	verdict := "all hold"
	if f := v.Failed(); f != nil {
		verdict = "violated: " + f.Name
	}
	return fmt.Sprintf("invariants checked in this run (%s): %s; see %s", strings.Join(names, ", "), verdict, InvariantsFile)
}

func writeInvariants(w io.Writer, v *Invariants) error {
	c := *v
	if c.Refusals == nil {
		c.Refusals = []Refusal{}
	}
	c.Invariants = append([]Invariant(nil), v.Invariants...)
	for i := range c.Invariants {
		if c.Invariants[i].Counts == nil {
			c.Invariants[i].Counts = []Count{}
		}
	}
	return writeJSON(w, c)
}

// ReadInvariants reads an invariants.json; a missing file gives (nil, nil).
func ReadInvariants(path string) (*Invariants, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	var v Invariants
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("results: %s: %w", path, err)
	}
	return &v, nil
}

// writeInvariantsSection adds the invariants section of report.md.
func writeInvariantsSection(b *strings.Builder, v *Invariants) {
	b.WriteString("## Invariants\n\n")
	verdict := "Every invariant held."
	if f := v.Failed(); f != nil {
		verdict = fmt.Sprintf("**Invariant %s was violated.**", code(f.Name))
	}
	fmt.Fprintf(b, "%s Checked in the run itself; [%s](%s) has the counts and methods.\n\n", verdict, InvariantsFile, InvariantsFile)
	b.WriteString("| invariant | verdict | checked | violations | what must hold |\n| --- | --- | ---: | ---: | --- |\n")
	for _, inv := range v.Invariants {
		verdict := "holds"
		if !inv.Passed {
			verdict = "**violated**"
		}
		fmt.Fprintf(b, "| %s | %s | %d %s | %d | %s |\n", code(inv.Name), verdict, inv.Checked, cell(inv.Unit), inv.Violations, cell(inv.Title))
	}
	b.WriteString("\n")
	for _, inv := range v.Invariants {
		var parts []string
		for _, c := range inv.Counts {
			if c.Value != 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c.Name, c.Value))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(b, "- %s: %s\n", code(inv.Name), strings.Join(parts, ", "))
		}
	}
	b.WriteString("\n")
	counters := false
	for _, inv := range v.Invariants {
		if inv.Counter != nil {
			counters = true
			fmt.Fprintf(b, "- %s, first counter-example at virtual %v: %s\n", code(inv.Name),
				time.Duration(inv.Counter.TimeNs), strings.ReplaceAll(inv.Counter.Detail, "\n", " "))
		}
	}
	if counters {
		b.WriteString("\n")
	}
	if len(v.Refusals) > 0 {
		kinds := map[string]int64{}
		for _, r := range v.Refusals {
			kinds[r.Kind] += r.Count
		}
		var parts []string
		for _, k := range sortedKeysInt(kinds) {
			parts = append(parts, fmt.Sprintf("%s %d", code(k), kinds[k]))
		}
		fmt.Fprintf(b, "Events clients refused, by kind: %s (per member in %s).\n\n", strings.Join(parts, ", "), InvariantsFile)
	} else {
		b.WriteString("No client refused any event.\n\n")
	}
}

func sortedKeysInt(m map[string]int64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
