package treemath

import (
	"slices"
	"testing"
)

func TestEightLeafTree(t *testing.T) {
	// RFC 9420 §4.1 figure: 8 leaves, root 7.
	const n LeafCount = 8
	tests := []struct {
		x       NodeIndex
		level   uint
		parent  int // -1 for none
		sibling int
		direct  []NodeIndex
		copath  []NodeIndex
	}{
		{0, 0, 1, 2, []NodeIndex{1, 3, 7}, []NodeIndex{2, 5, 11}},
		{5, 1, 3, 1, []NodeIndex{3, 7}, []NodeIndex{1, 11}},
		{7, 3, -1, -1, nil, nil},
		{10, 0, 9, 8, []NodeIndex{9, 11, 7}, []NodeIndex{8, 13, 3}},
		{11, 2, 7, 3, []NodeIndex{7}, []NodeIndex{3}},
		{14, 0, 13, 12, []NodeIndex{13, 11, 7}, []NodeIndex{12, 9, 3}},
	}
	for _, tc := range tests {
		if got := Level(tc.x); got != tc.level {
			t.Errorf("Level(%d) = %d, want %d", tc.x, got, tc.level)
		}
		p, ok := Parent(tc.x, n)
		if (tc.parent < 0) == ok || (ok && int(p) != tc.parent) {
			t.Errorf("Parent(%d) = %d,%v want %d", tc.x, p, ok, tc.parent)
		}
		s, ok := Sibling(tc.x, n)
		if (tc.sibling < 0) == ok || (ok && int(s) != tc.sibling) {
			t.Errorf("Sibling(%d) = %d,%v want %d", tc.x, s, ok, tc.sibling)
		}
		if d, _ := DirectPath(tc.x, n); !slices.Equal(d, tc.direct) {
			t.Errorf("DirectPath(%d) = %v, want %v", tc.x, d, tc.direct)
		}
		if c, _ := Copath(tc.x, n); !slices.Equal(c, tc.copath) {
			t.Errorf("Copath(%d) = %v, want %v", tc.x, c, tc.copath)
		}
	}
	if Root(n) != 7 || NodeWidth(n) != 15 {
		t.Fatalf("Root/NodeWidth wrong")
	}
}

func TestOutOfRange(t *testing.T) {
	tests := []struct {
		name string
		x    NodeIndex
		n    LeafCount
	}{
		{"beyond-width", 15, 8},
		{"zero-leaves", 0, 0},
		{"not-power-of-two", 0, 3},
		{"huge", 1<<32 - 1, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := Parent(tc.x, tc.n); ok {
				t.Error("Parent ok")
			}
			if _, ok := DirectPath(tc.x, tc.n); ok {
				t.Error("DirectPath ok")
			}
		})
	}
	if _, ok := Left(4); ok {
		t.Error("Left of a leaf")
	}
	if _, ok := Right(4); ok {
		t.Error("Right of a leaf")
	}
}

func TestCommonAncestorBrute(t *testing.T) {
	const n LeafCount = 32
	w := NodeIndex(NodeWidth(n))
	for x := NodeIndex(0); x < w; x++ {
		for y := NodeIndex(0); y < w; y++ {
			// Brute force: the lowest node on x's path to the root that is an ancestor of y.
			want := NodeIndex(0)
			for a := x; ; {
				if IsAncestor(a, y) {
					want = a
					break
				}
				a, _ = Parent(a, n)
			}
			if got := CommonAncestor(x, y); got != want {
				t.Fatalf("CommonAncestor(%d,%d) = %d, want %d", x, y, got, want)
			}
		}
	}
}

func TestLeafCountForWidth(t *testing.T) {
	tests := []struct {
		w    uint32
		want LeafCount
	}{{0, 0}, {1, 1}, {2, 2}, {3, 2}, {4, 4}, {5, 4}, {6, 4}, {7, 4}, {8, 8}, {9, 8}, {15, 8}, {16, 16}, {17, 16}}
	for _, tc := range tests {
		if got := LeafCountForWidth(tc.w); got != tc.want {
			t.Errorf("LeafCountForWidth(%d) = %d, want %d", tc.w, got, tc.want)
		}
	}
}
