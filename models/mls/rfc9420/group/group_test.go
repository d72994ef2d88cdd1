package group

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/mimisim/mimisim/models/mls/rfc9420/ciphersuite"
	"github.com/mimisim/mimisim/models/mls/rfc9420/framing"
	tm "github.com/mimisim/mimisim/models/mls/rfc9420/treemath"
	"github.com/mimisim/mimisim/models/mls/rfc9420/wire"
)

// sim is a test harness: members indexed by name, a commit delivered to everyone else.
type sim struct {
	t       testing.TB
	s       *ciphersuite.Suite
	cfg     Config
	members map[string]*Group
}

func newSim(t testing.TB, s *ciphersuite.Suite, cfg Config) *sim {
	kb, err := NewKeyPackage(s, KeyPackageOptions{Identity: []byte("m0")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := Create(kb, []byte("test group"), nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &sim{t: t, s: s, cfg: cfg, members: map[string]*Group{"m0": g}}
}

// deliver sends a commit from committer to every other member and adopts it.
func (x *sim) deliver(committer string, pc *PendingCommit) {
	x.t.Helper()
	for name, g := range x.members {
		if name == committer {
			continue
		}
		r, err := g.Process(pc.Commit)
		if errors.Is(err, ErrRemoved) && r != nil && r.Removed {
			delete(x.members, name)
			continue
		}
		if err != nil {
			x.t.Fatalf("%s processing commit of %s: %v", name, committer, err)
		}
	}
	if err := x.members[committer].Adopt(pc); err != nil {
		x.t.Fatal(err)
	}
}

func (x *sim) add(committer string, names ...string) {
	x.t.Helper()
	var kps []*wire.KeyPackage
	var kbs []*KeyPackageBundle
	for _, n := range names {
		kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte(n)})
		if err != nil {
			x.t.Fatal(err)
		}
		kps = append(kps, kb.KeyPackage)
		kbs = append(kbs, kb)
	}
	pc, err := x.members[committer].Commit(CommitOptions{Add: kps})
	if err != nil {
		x.t.Fatal(err)
	}
	x.deliver(committer, pc)
	for i, n := range names {
		g, err := Join(pc.Welcome, kbs[i], x.cfg)
		if err != nil {
			x.t.Fatalf("%s joining: %v", n, err)
		}
		x.members[n] = g
	}
	x.check()
}

func (x *sim) leafOf(name string) tm.LeafIndex { return x.members[name].Leaf() }

// check verifies that all members agree on the epoch, its authenticator, the tree and exporter,
// and that each can message everyone.
func (x *sim) check() {
	x.t.Helper()
	var ref *Group
	var refExp []byte
	for _, g := range x.members {
		exp, err := g.Export("test", []byte("ctx"), 32)
		if err != nil {
			x.t.Fatal(err)
		}
		if ref == nil {
			ref, refExp = g, exp
			continue
		}
		if g.Epoch() != ref.Epoch() || !bytes.Equal(g.EpochAuthenticator(), ref.EpochAuthenticator()) ||
			!bytes.Equal(g.Tree().TreeHash(), ref.Tree().TreeHash()) || !bytes.Equal(exp, refExp) {
			x.t.Fatalf("members disagree at epoch %d/%d", g.Epoch(), ref.Epoch())
		}
	}
	if ref.Tree().MemberCount() != len(x.members) {
		x.t.Fatalf("tree has %d members, sim %d", ref.Tree().MemberCount(), len(x.members))
	}
	for name, g := range x.members {
		msg := []byte(fmt.Sprintf("hello from %s at %d", name, g.Epoch()))
		ct, err := g.Protect(msg, []byte("ad"))
		if err != nil {
			x.t.Fatal(err)
		}
		for other, h := range x.members {
			if other == name {
				continue
			}
			r, err := h.Process(ct)
			if err != nil {
				x.t.Fatalf("%s reading %s: %v", other, name, err)
			}
			if !bytes.Equal(r.ApplicationData, msg) || r.Sender != g.Leaf() || !bytes.Equal(r.AuthenticatedData, []byte("ad")) {
				x.t.Fatalf("%s got %q from %d", other, r.ApplicationData, r.Sender)
			}
		}
	}
}

func TestGroupLifecycle(t *testing.T) {
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			x := newSim(t, suite1(t), Config{PrivateHandshake: private, Padding: 7})
			x.add("m0", "m1", "m2", "m3")
			x.add("m2", "m4")
			x.add("m4", "m5", "m6", "m7")
			// Empty commit (path only).
			pc, err := x.members["m5"].Commit(CommitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			x.deliver("m5", pc)
			x.check()
			// Update proposals by m1 and m3, committed by m6 together with a remove of m2.
			for _, n := range []string{"m1", "m3"} {
				p, err := x.members[n].ProposeUpdate()
				if err != nil {
					t.Fatal(err)
				}
				for other, g := range x.members {
					if other != n {
						if _, err := g.Process(p); err != nil {
							t.Fatalf("%s: %v", other, err)
						}
					}
				}
			}
			pc, err = x.members["m6"].Commit(CommitOptions{Remove: []tm.LeafIndex{x.leafOf("m2")}})
			if err != nil {
				t.Fatal(err)
			}
			removed := x.members["m2"]
			x.deliver("m6", pc)
			if !removed.Removed() {
				t.Fatal("m2 not told it was removed")
			}
			if _, err := removed.Protect([]byte("x"), nil); !errors.Is(err, ErrInactive) {
				t.Fatalf("removed member protect: %v", err)
			}
			x.check()
			// Remove proposal by reference from m1, committed by m0 with an add.
			p, err := x.members["m1"].ProposeRemove(x.leafOf("m7"))
			if err != nil {
				t.Fatal(err)
			}
			for other, g := range x.members {
				if other != "m1" {
					if _, err := g.Process(p); err != nil {
						t.Fatal(err)
					}
				}
			}
			kb, err := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("m8")})
			if err != nil {
				t.Fatal(err)
			}
			pc, err = x.members["m0"].Commit(CommitOptions{Add: []*wire.KeyPackage{kb.KeyPackage}})
			if err != nil {
				t.Fatal(err)
			}
			x.deliver("m0", pc)
			g8, err := Join(pc.Welcome, kb, x.cfg)
			if err != nil {
				t.Fatal(err)
			}
			x.members["m8"] = g8
			if _, ok := x.members["m7"]; ok {
				t.Fatal("m7 still a member")
			}
			x.check()
		})
	}
}

func TestGroupAllSuites(t *testing.T) {
	for _, s := range suites(t) {
		t.Run(s.String(), func(t *testing.T) {
			x := newSim(t, s, Config{})
			x.add("m0", "m1", "m2")
			pc, err := x.members["m1"].Commit(CommitOptions{Remove: []tm.LeafIndex{x.leafOf("m0")}})
			if err != nil {
				t.Fatal(err)
			}
			x.deliver("m1", pc)
			x.check()
		})
	}
}

func TestCommitFailureKeepsState(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2")
	g1 := x.members["m1"]
	before := g1.EpochAuthenticator()
	pc, err := x.members["m0"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Flip bytes across the message; every variant must be rejected without changing m1.
	for i := 0; i < len(pc.Commit); i += 7 {
		bad := bytes.Clone(pc.Commit)
		bad[i] ^= 0x40
		if _, err := g1.Process(bad); err == nil {
			t.Fatalf("tampered commit (byte %d) accepted", i)
		}
		if g1.Epoch() != 1 || !bytes.Equal(g1.EpochAuthenticator(), before) {
			t.Fatal("state changed by a rejected commit")
		}
	}
	// A pending commit leaves the committer unchanged until adopted; a stale one is rejected.
	if x.members["m0"].Epoch() != 1 {
		t.Fatal("committer moved before Adopt")
	}
	x.deliver("m0", pc)
	if err := x.members["m0"].Adopt(pc); err == nil {
		t.Fatal("stale pending commit adopted")
	}
	if _, err := x.members["m0"].Process(pc.Commit); err == nil {
		t.Fatal("old-epoch commit accepted")
	}
	x.check()
	// Own commit cannot be processed; welcome for another KeyPackage is refused.
	pc, err = x.members["m2"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("z")})
	pcAdd, err := x.members["m1"].Commit(CommitOptions{Add: []*wire.KeyPackage{kb.KeyPackage}})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyPackage(x.s, KeyPackageOptions{Identity: []byte("y")})
	if _, err := Join(pcAdd.Welcome, other, Config{}); !errors.Is(err, ErrNoWelcomeKey) {
		t.Fatalf("foreign welcome: %v", err)
	}
	_ = pc
}

func TestOutOfOrderApplication(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1")
	var cts [][]byte
	for i := 0; i < 5; i++ {
		ct, err := x.members["m0"].Protect([]byte{byte(i)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		cts = append(cts, ct)
	}
	for _, i := range []int{4, 0, 2, 1, 3} {
		r, err := x.members["m1"].Process(cts[i])
		if err != nil || r.ApplicationData[0] != byte(i) {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if _, err := x.members["m1"].Process(cts[2]); err == nil {
		t.Fatal("replay accepted")
	}
}

// TestProcessAppend: ProcessAppend gives what ProcessTo gives, with the application data
// appended to the caller's buffer (in its memory when it has room), for an application
// PrivateMessage and for a handshake message alike.
func TestProcessAppend(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2")
	ct, err := x.members["m0"].Protect([]byte("hello"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	var want Received
	if err := x.members["m1"].ProcessTo(ct, &want); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2, 64)
	copy(buf, "->")
	var r Received
	if err := x.members["m2"].ProcessAppend(ct, &r, buf); err != nil {
		t.Fatal(err)
	}
	if string(r.ApplicationData) != "->hello" || &r.ApplicationData[0] != &buf[0] {
		t.Fatalf("ProcessAppend data %q, want \"->hello\" in the caller's buffer", r.ApplicationData)
	}
	r.ApplicationData = r.ApplicationData[2:]
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("ProcessAppend %+v, ProcessTo %+v", r, want)
	}
	if err := x.members["m2"].ProcessAppend(ct, &r, buf[:0]); err == nil || !reflect.DeepEqual(r, Received{}) {
		t.Fatalf("replay: err %v, r %+v", err, r)
	}
	// A commit goes the general way; r is as ProcessTo's.
	pc, err := x.members["m0"].Commit(CommitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.members["m2"].ProcessAppend(pc.Commit, &r, buf[:0]); err != nil || r.ContentType != framing.ContentCommit || r.ApplicationData != nil {
		t.Fatalf("commit: err %v, r %+v", err, r)
	}
}

// TestProcessTo: ProcessTo writes what Process returns, leaves r zero on an error (whatever r
// held), and reports a removal in r with ErrRemoved.
func TestProcessTo(t *testing.T) {
	x := newSim(t, suite1(t), Config{})
	x.add("m0", "m1", "m2", "m3")
	ct, err := x.members["m0"].Protect([]byte("hello"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := x.members["m1"].Process(ct)
	if err != nil {
		t.Fatal(err)
	}
	r := Received{Removed: true, ApplicationData: []byte("stale")}
	if err := x.members["m2"].ProcessTo(ct, &r); err != nil {
		t.Fatal(err)
	}
	if r.ContentType != want.ContentType || r.Sender != want.Sender || r.SenderType != want.SenderType ||
		!bytes.Equal(r.ApplicationData, want.ApplicationData) || !bytes.Equal(r.AuthenticatedData, want.AuthenticatedData) || r.Removed {
		t.Fatalf("ProcessTo %+v, Process %+v", r, *want)
	}
	// The data is the member's own: a second message (decrypted in reused memory) leaves it.
	first := r.ApplicationData
	ct2, err := x.members["m0"].Protect([]byte("world"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var r2 Received
	if err := x.members["m2"].ProcessTo(ct2, &r2); err != nil || string(r2.ApplicationData) != "world" || string(first) != "hello" {
		t.Fatalf("second message %q (%v); first now %q", r2.ApplicationData, err, first)
	}
	r = Received{Removed: true}
	if err := x.members["m2"].ProcessTo(ct, &r); err == nil || !reflect.DeepEqual(r, Received{}) {
		t.Fatalf("replay: err %v, r %+v", err, r)
	}
	pc, err := x.members["m0"].Commit(CommitOptions{Remove: []tm.LeafIndex{x.leafOf("m3")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.members["m3"].ProcessTo(pc.Commit, &r); !errors.Is(err, ErrRemoved) || !r.Removed || r.ContentType != framing.ContentCommit {
		t.Fatalf("removal: err %v, r %+v", err, r)
	}
}
