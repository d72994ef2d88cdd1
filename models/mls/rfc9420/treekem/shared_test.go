package treekem_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/internal/treetest"
	"github.com/mimisim/mimisim/models/mls/rfc9420/treekem"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
)

// keyCache is a KeyDeriver shared by simulated members: one key object per node secret.
type keyCache struct {
	s  *ciphersuite.Suite
	mu sync.Mutex
	m  map[string]*ciphersuite.HPKEPrivateKey
}

func (c *keyCache) derive(nodeSecret []byte) (*ciphersuite.HPKEPrivateKey, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if k := c.m[string(nodeSecret)]; k != nil {
		return k, nil
	}
	k, err := c.s.DeriveKeyPair(nodeSecret)
	if err != nil {
		return nil, err
	}
	c.m[string(nodeSecret)] = k
	return k, nil
}

// TestSharedMergeConcurrentDecrypt merges a commit once into a shared snapshot and lets every
// member decrypt from that snapshot concurrently, as a simulator sharing one tree per epoch would.
func TestSharedMergeConcurrentDecrypt(t *testing.T) {
	s := lookup(t, ciphersuite.MLS128DHKEMX25519AES128GCMSHA256Ed25519)
	const n, sender = 48, 21
	g, err := treetest.Full(s, n)
	if err != nil {
		t.Fatal(err)
	}
	gc := g.Context
	gc.Epoch++
	created, err := treekem.CreateUpdatePath(g.Tree.Edit(), g.Members[sender].State, &treekem.CreateParams{GroupContext: &gc, Signer: g.Members[sender].Signer})
	if err != nil {
		t.Fatal(err)
	}
	ed := g.Tree.Edit()
	merged, err := treekem.MergePath(ed, sender, created.Path, &gc)
	if err != nil {
		t.Fatal(err)
	}
	shared := ed.Tree()
	if !bytes.Equal(merged.TreeHash, created.TreeHash) || !bytes.Equal(merged.GroupContext, created.GroupContext) {
		t.Fatal("merged tree or context differs from the committer's")
	}

	cache := &keyCache{s: s, m: map[string]*ciphersuite.HPKEPrivateKey{}}
	results := make([]*treekem.ApplyResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		if i == sender {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = treekem.DecryptPath(shared, g.Members[i].State, sender, created.Path, merged.GroupContext, nil, cache.derive)
		}()
	}
	wg.Wait()
	root := tm.Root(shared.LeafCount())
	var rootKey *ciphersuite.HPKEPrivateKey
	for i, r := range results {
		if i == sender {
			continue
		}
		if errs[i] != nil {
			t.Fatalf("member %d: %v", i, errs[i])
		}
		if !bytes.Equal(r.CommitSecret, created.CommitSecret) {
			t.Fatalf("member %d: commit secret differs", i)
		}
		if err := r.State.Check(shared); err != nil {
			t.Fatalf("member %d: %v", i, err)
		}
		k, ok := r.State.NodeKey(root)
		if !ok {
			t.Fatalf("member %d has no root key", i)
		}
		if rootKey == nil {
			rootKey = k
		} else if k != rootKey {
			t.Fatalf("member %d holds its own copy of the root key", i)
		}
	}
	if len(cache.m) != len(created.PathSecrets) {
		t.Errorf("%d distinct node keys derived, want %d", len(cache.m), len(created.PathSecrets))
	}
}
