package ratchettree

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestKeyIndexModel checks the persistent index against a map, across snapshots: a snapshot taken
// before further edits must keep answering as it did.
func TestKeyIndexModel(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(key []byte) uint64 // nil: the real hash
	}{
		{"maphash", nil},
		{"all-collide", func([]byte) uint64 { return 0x0123456789abcdef }},
		{"few-buckets", func(key []byte) uint64 { return uint64(key[0]%4) << 60 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := keyHash
			if tc.hash != nil {
				h = tc.hash
			}
			rng := rand.New(rand.NewPCG(1, 2))
			var ix keyIndex
			model := map[string][2]uint32{} // key -> {val, count}
			type snap struct {
				ix    keyIndex
				model map[string][2]uint32
			}
			var snaps []snap
			tok := &editToken{}
			for step := range 3000 {
				key := []byte(fmt.Sprintf("key-%d", rng.IntN(200)))
				if rng.IntN(3) == 0 {
					ix.removeH(tok, key, h(key))
					if m, ok := model[string(key)]; ok {
						if m[1] == 1 {
							delete(model, string(key))
						} else {
							model[string(key)] = [2]uint32{m[0], m[1] - 1}
						}
					}
				} else {
					val := uint32(step)
					ix.addH(tok, key, h(key), val)
					if m, ok := model[string(key)]; ok {
						model[string(key)] = [2]uint32{m[0], m[1] + 1}
					} else {
						model[string(key)] = [2]uint32{val, 1}
					}
				}
				if step%250 == 0 {
					cp := make(map[string][2]uint32, len(model))
					for k, v := range model {
						cp[k] = v
					}
					snaps = append(snaps, snap{ix, cp})
					tok = &editToken{} // the snapshot owns what was written so far
				}
			}
			snaps = append(snaps, snap{ix, model})
			for si, sn := range snaps {
				dups := 0
				for i := range 200 {
					key := []byte(fmt.Sprintf("key-%d", i))
					val, c := sn.ix.getH(key, h(key))
					m := sn.model[string(key)]
					if c != m[1] || (c > 0 && val != m[0]) {
						t.Fatalf("snapshot %d: %s = (%d, %d), want %v", si, key, val, c, m)
					}
					if m[1] > 1 {
						dups++
					}
				}
				if sn.ix.size != len(sn.model) || sn.ix.dups != dups {
					t.Fatalf("snapshot %d: size %d dups %d, want %d %d", si, sn.ix.size, sn.ix.dups, len(sn.model), dups)
				}
			}
		})
	}
}
