package group_test

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/group"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// A receiver that processes many messages keeps one Received and lets ProcessTo fill it: an
// application message then costs one allocation, the copy of its data.
func ExampleGroup_ProcessTo() {
	s, _ := ciphersuite.Lookup(ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	ka, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("alice")})
	kb, _ := group.NewKeyPackage(s, group.KeyPackageOptions{Identity: []byte("bob")})
	alice, _ := group.Create(ka, []byte("room"), nil, group.Config{})
	pc, _ := alice.Commit(group.CommitOptions{Add: []*wire.KeyPackage{kb.KeyPackage}})
	_ = alice.Adopt(pc)
	bob, err := group.Join(pc.Welcome, kb, group.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}

	var r group.Received
	for _, text := range []string{"hello", "world"} {
		msg, _ := alice.Protect([]byte(text), nil)
		if err := bob.ProcessTo(msg, &r); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("from leaf %d: %s\n", r.Sender, r.ApplicationData)
	}
	// Output:
	// from leaf 0: hello
	// from leaf 0: world
}
