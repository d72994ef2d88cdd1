package conformance

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/testvectors"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

type treeMathVector struct {
	NLeaves uint32    `json:"n_leaves"`
	NNodes  uint32    `json:"n_nodes"`
	Root    uint32    `json:"root"`
	Left    []*uint32 `json:"left"`
	Right   []*uint32 `json:"right"`
	Parent  []*uint32 `json:"parent"`
	Sibling []*uint32 `json:"sibling"`
}

func TestTreeMath(t *testing.T) {
	const file = "tree-math.json"
	var vs []treeMathVector
	testvectors.Load(t, file, &vs)
	check := func(t *testing.T, what string, i int, want *uint32, got tm.NodeIndex, ok bool) {
		t.Helper()
		if (want == nil) == ok || (ok && uint32(got) != *want) {
			t.Errorf("%s(%d) = %d,%v; want %v", what, i, got, ok, want)
		}
	}
	for _, v := range vs {
		record(t, file, 0, fmt.Sprintf("leaves-%d", v.NLeaves), func(t *testing.T) {
			n := tm.LeafCount(v.NLeaves)
			if got := tm.NodeWidth(n); got != v.NNodes {
				t.Errorf("NodeWidth = %d, want %d", got, v.NNodes)
			}
			if got := tm.Root(n); uint32(got) != v.Root {
				t.Errorf("Root = %d, want %d", got, v.Root)
			}
			for i := 0; i < int(v.NNodes); i++ {
				x := tm.NodeIndex(i)
				l, ok := tm.Left(x)
				check(t, "left", i, v.Left[i], l, ok)
				r, ok := tm.Right(x)
				check(t, "right", i, v.Right[i], r, ok)
				p, ok := tm.Parent(x, n)
				check(t, "parent", i, v.Parent[i], p, ok)
				s, ok := tm.Sibling(x, n)
				check(t, "sibling", i, v.Sibling[i], s, ok)
			}
		})
	}
	reportFile(t, file)
}
