package group_test

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// Members of one simulation share one Share: the Welcome's tree is validated once, the public
// half of a commit is computed once, and each member decrypts its own path secret.
func ExampleShare() {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	sh := group.NewShare()
	cfg := group.Config{Share: sh, OutOfBandTree: true}
	kb, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("alice")})
	alice, _ := group.Create(kb, []byte("room"), nil, cfg)

	var kps []*wire.KeyPackage
	var bundles []*group.KeyPackageBundle
	for _, name := range []string{"bob", "carol", "dave"} {
		b, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte(name)})
		kps, bundles = append(kps, b.KeyPackage), append(bundles, b)
	}
	pc, _ := alice.Commit(group.CommitOptions{Add: kps})
	_ = alice.Adopt(pc)
	var others []*group.Group
	for _, b := range bundles {
		g, err := group.Join(pc.Welcome, b, cfg)
		if err != nil {
			fmt.Println(err)
			return
		}
		others = append(others, g)
	}

	update, _ := others[0].Commit(group.CommitOptions{})
	_ = others[0].Adopt(update)
	_, _ = alice.Process(update.Commit)
	for _, g := range others[1:] {
		_, _ = g.Process(update.Commit)
	}
	st := sh.Stats()
	fmt.Println("trees validated:", st.TreesValidated, "reused:", st.TreesReused)
	fmt.Println("commits merged:", st.CommitsMerged, "reused:", st.CommitsReused, "paths decrypted:", st.PathsDecrypted)
	// Output:
	// trees validated: 1 reused: 2
	// commits merged: 1 reused: 2 paths decrypted: 3
}
