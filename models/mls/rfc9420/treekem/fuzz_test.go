package treekem_test

import (
	"sync"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/codec"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

var (
	fuzzOnce  sync.Once
	fuzzGroup *treetest.Group
	fuzzPath  []byte
	fuzzGC    wire.GroupContext
)

// FuzzApplyUpdatePath feeds arbitrary UpdatePath encodings to the receiver side of TreeKEM in a
// five-member group (seeded with a valid path from member 1): decoding and processing must never
// panic, must leave the shared snapshot alone, and a successful result must be consistent with
// the merged tree.
func FuzzApplyUpdatePath(f *testing.F) {
	fuzzOnce.Do(func() {
		s, err := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
		if err != nil {
			f.Fatal(err)
		}
		if fuzzGroup, err = treetest.Full(s, 5); err != nil {
			f.Fatal(err)
		}
		fuzzGC = fuzzGroup.Context
		fuzzGC.Epoch++
		res, err := treekem.CreateUpdatePath(fuzzGroup.Tree.Edit(), fuzzGroup.Members[1].State, &treekem.CreateParams{GroupContext: &fuzzGC, Signer: fuzzGroup.Members[1].Signer})
		if err != nil {
			f.Fatal(err)
		}
		if fuzzPath, err = codec.Marshal(res.Path); err != nil {
			f.Fatal(err)
		}
	})
	f.Add(fuzzPath)
	f.Add(fuzzPath[:len(fuzzPath)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		var path wire.UpdatePath
		if err := codec.Unmarshal(data, &path); err != nil {
			return
		}
		g := fuzzGroup
		hash := g.Tree.TreeHash()
		for _, r := range []int{0, 3} {
			ed := g.Tree.Edit()
			res, err := treekem.ApplyUpdatePath(ed, g.Members[r].State, 1, &path, &treekem.ApplyParams{GroupContext: &fuzzGC})
			if err == nil {
				if err := res.State.Check(ed); err != nil {
					t.Fatalf("accepted path left an inconsistent state: %v", err)
				}
			}
		}
		if string(g.Tree.TreeHash()) != string(hash) {
			t.Fatal("processing changed the shared snapshot")
		}
	})
}
