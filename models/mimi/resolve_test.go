package mimi

import (
	"fmt"
	"slices"
	"testing"

	"github.com/mimisim/mimisim/models/network"
)

// TestResolve checks resolve against a map lookup per name: for short and long lists, for a
// long list that comes back (the cached answer), for another list of the same length, and after
// a client is added.
func TestResolve(t *testing.T) {
	p := &Provider{clients: map[string]network.NodeID{}}
	for i := range 100 {
		p.AddClient(fmt.Sprintf("c%03d@fol", i), network.NodeID(10+i))
	}
	naive := func(names []string) []network.NodeID {
		out := make([]network.NodeID, len(names))
		for i, c := range names {
			if n, ok := p.clients[c]; ok {
				out[i] = n
			} else {
				out[i] = -1
			}
		}
		return out
	}
	list := func(n int, provider string) []string {
		var v []string
		for i := range n {
			v = append(v, fmt.Sprintf("c%03d@%s", i*2, provider))
		}
		return v
	}
	long := list(resolveMin+10, "fol") // half of them are not clients of p (i*2 ≥ 100)
	other := list(resolveMin+10, "hub")
	steps := []struct {
		name  string
		names []string
		add   string
	}{
		{name: "empty"},
		{name: "short", names: list(5, "fol")},
		{name: "long", names: long},
		{name: "long again (cached)", names: long},
		{name: "another long list", names: other},
		{name: "first long list once more", names: long},
		{name: "after a client is added", names: long, add: "c120@fol"},
		// Lists of the same strings with one dropped or one added (the member list without
		// each sender): resolved by comparing with the last list.
		{name: "without its 5th name", names: slices.Delete(slices.Clone(long), 4, 5)},
		{name: "without its 1st name", names: long[1:]},
		{name: "without its last name", names: long[:len(long)-1]},
		{name: "with a name added", names: slices.Insert(slices.Clone(long), 7, "c007@fol")},
		{name: "without two names", names: slices.Delete(slices.Clone(long), 10, 12)},
	}
	for _, s := range steps {
		if s.add != "" {
			p.AddClient(s.add, 999)
		}
		got := slices.Clone(p.resolve(s.names))
		if want := naive(s.names); !slices.Equal(got, want) {
			t.Errorf("%s: resolve = %v, want %v", s.name, got, want)
		}
	}
	if p.resolve(long)[60] != 999 {
		t.Errorf("c120@fol added: resolve still gives %d", p.resolve(long)[60])
	}
}
