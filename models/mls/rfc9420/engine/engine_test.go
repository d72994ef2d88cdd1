package engine

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/rfc9420/ratchettree"
)

type world struct {
	t       *testing.T
	members map[string]mls.Member
}

// deliver has every member except the committer process p, drops removed members, adopts p for
// the committer and checks agreement.
func (w *world) deliver(committer string, p *mls.Pending) {
	w.t.Helper()
	for name, m := range w.members {
		if name == committer {
			continue
		}
		err := m.Process(p.Handshake)
		if errors.Is(err, mls.ErrRemoved) {
			if m.Epoch() != p.Epoch {
				w.t.Fatalf("removed %s changed epoch", name)
			}
			delete(w.members, name)
			continue
		}
		if err != nil {
			w.t.Fatalf("%s processing %s's %s: %v", name, committer, p.Op, err)
		}
	}
	if err := w.members[committer].Adopt(p); err != nil {
		w.t.Fatal(err)
	}
	w.check()
}

func (w *world) check() {
	w.t.Helper()
	var ref mls.Member
	for name, m := range w.members {
		if ref == nil {
			ref = m
		}
		if m.Epoch() != ref.Epoch() || !bytes.Equal(m.EpochAuthenticator(), ref.EpochAuthenticator()) {
			w.t.Fatalf("%s disagrees", name)
		}
		if m.Size() != len(w.members) || len(m.Members()) != len(w.members) {
			w.t.Fatalf("%s sees %d members, want %d", name, m.Size(), len(w.members))
		}
		e1, _ := m.Export("x", nil, 16)
		e2, _ := ref.Export("x", nil, 16)
		if !bytes.Equal(e1, e2) || m.StateSize() <= 0 {
			w.t.Fatalf("%s: exporter differs", name)
		}
	}
	for name, m := range w.members {
		msg := []byte("from " + name)
		ct, err := m.Protect(msg)
		if err != nil {
			w.t.Fatal(err)
		}
		k := 0
		for other, o := range w.members {
			if other == name {
				continue
			}
			var pt []byte
			if k++; k%2 == 0 { // every other recipient decrypts into a buffer, after a prefix
				pt, err = o.(*Member).UnprotectAppend([]byte("pre"), ct)
				if err == nil && string(pt[:3]) != "pre" {
					w.t.Fatalf("%s reading %s: UnprotectAppend lost the buffer's bytes", other, name)
				}
				if err == nil {
					pt = pt[3:]
				}
			} else {
				pt, err = o.Unprotect(ct)
			}
			if err != nil || !bytes.Equal(pt, msg) {
				w.t.Fatalf("%s reading %s: %v", other, name, err)
			}
		}
	}
}

func TestEightMembers(t *testing.T) {
	e, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != "rfc9420" || e.MaxMembers() < 8 || e.Version() == "" {
		t.Fatal("engine metadata")
	}
	clients := map[string]mls.Client{}
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("c%d", i)
		c, err := e.NewClient(name, []byte("seed"))
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}
	creator, err := clients["c0"].CreateGroup([]byte("g8"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, members: map[string]mls.Member{"c0": creator}}
	w.check()

	// Add everyone: one member in one commit, then the six others in a second one.
	join := func(committer string, names ...string) {
		var kps [][]byte
		for _, n := range names {
			kp, err := clients[n].KeyPackage()
			if err != nil {
				t.Fatal(err)
			}
			kps = append(kps, kp)
		}
		p, err := w.members[committer].Add(kps)
		if err != nil {
			t.Fatal(err)
		}
		if p.Welcome == nil || p.Size() == 0 {
			t.Fatal("no welcome")
		}
		for name, m := range w.members {
			if name != committer {
				if err := m.Process(p.Handshake); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := w.members[committer].Adopt(p); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			m, err := clients[n].Join(p.Welcome)
			if err != nil {
				t.Fatalf("%s join: %v", n, err)
			}
			w.members[n] = m
		}
		w.check()
	}
	join("c0", "c1")
	join("c1", "c2", "c3", "c4", "c5", "c6", "c7")
	if got := w.members["c0"].Members(); len(got) != 8 || got[0] != "c0" {
		t.Fatalf("members %v", got)
	}

	// Everyone updates in turn.
	for i := 0; i < 8; i++ {
		name := fmt.Sprintf("c%d", i)
		p, err := w.members[name].Update()
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(name, p)
	}

	// Proposal policy: c2 and c5 propose updates, c3 proposes removing c7; c4 commits them.
	var props [][]byte
	for _, n := range []string{"c2", "c5"} {
		pr, err := w.members[n].ProposeUpdate()
		if err != nil {
			t.Fatal(err)
		}
		props = append(props, pr)
	}
	pr, err := w.members["c3"].ProposeRemove(w.members["c7"].Index())
	if err != nil {
		t.Fatal(err)
	}
	props = append(props, pr)
	epoch := w.members["c4"].Epoch()
	p, err := w.members["c4"].CommitProposals(props)
	if err != nil {
		t.Fatal(err)
	}
	if w.members["c4"].Epoch() != epoch {
		t.Fatal("CommitProposals changed the member")
	}
	w.deliver("c4", p)
	if _, ok := w.members["c7"]; ok {
		t.Fatal("c7 not removed")
	}

	// Direct removes of two members.
	p, err = w.members["c0"].Remove([]int{w.members["c1"].Index(), w.members["c6"].Index()})
	if err != nil {
		t.Fatal(err)
	}
	w.deliver("c0", p)
	if len(w.members) != 5 {
		t.Fatalf("%d members left", len(w.members))
	}

	// A stale proposal is rejected with ErrWrongEpoch.
	if _, err := w.members["c0"].CommitProposals(props[:1]); !errors.Is(err, mls.ErrWrongEpoch) {
		t.Fatalf("stale proposal: %v", err)
	}
	// Re-adding a removed client with a fresh KeyPackage works.
	join("c2", "c7")
}

// TestSplitWelcome: each joiner joins from the part of the Welcome cut for its KeyPackage; a part
// cut for another KeyPackage is refused, and the tree is fetched out of band (TreeBytes).
func TestSplitWelcome(t *testing.T) {
	e, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	creator, err := e.NewClient("c0", []byte("seed"))
	if err != nil {
		t.Fatal(err)
	}
	m0, err := creator.CreateGroup([]byte("g"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, members: map[string]mls.Member{"c0": m0}}
	var clients []mls.Client
	var kps [][]byte
	for i := 1; i <= 4; i++ {
		c, err := e.NewClient(fmt.Sprintf("c%d", i), []byte("seed"))
		if err != nil {
			t.Fatal(err)
		}
		kp, err := c.KeyPackage()
		if err != nil {
			t.Fatal(err)
		}
		clients, kps = append(clients, c), append(kps, kp)
	}
	p, err := m0.Add(kps)
	if err != nil {
		t.Fatal(err)
	}
	if p.TreeBytes <= 0 {
		t.Fatalf("TreeBytes %d: the tree should travel out of band", p.TreeBytes)
	}
	if err := m0.Adopt(p); err != nil {
		t.Fatal(err)
	}
	for i, c := range clients {
		part, err := e.SplitWelcome(p.Welcome, kps[i])
		if err != nil {
			t.Fatal(err)
		}
		if len(part) >= len(p.Welcome) {
			t.Fatalf("part of %d bytes, whole Welcome %d", len(part), len(p.Welcome))
		}
		if i > 0 {
			other, _ := e.SplitWelcome(p.Welcome, kps[0])
			if _, err := c.Join(other); err == nil {
				t.Fatalf("c%d joined from another joiner's part", i+1)
			}
		}
		m, err := c.Join(part)
		if err != nil {
			t.Fatalf("c%d: %v", i+1, err)
		}
		w.members[c.Identity()] = m
	}
	w.check()
	if _, err := e.SplitWelcome(p.Welcome, []byte{1, 2, 3}); err == nil {
		t.Fatal("split for a malformed KeyPackage")
	}
}

// TestStateSizeEncodesATreeOnce: the members of an epoch report the same tree size, and the
// tree is encoded once for all of them, whether they hold the shared snapshot or a copy of
// their own (the committer's): the cache finds a copy by its tree hash.
func TestStateSizeEncodesATreeOnce(t *testing.T) {
	e, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	var cs []mls.Client
	for i := range 4 {
		c, err := e.NewClient(fmt.Sprintf("c%d", i), []byte("seed"))
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	creator, err := cs[0].CreateGroup([]byte("g"))
	if err != nil {
		t.Fatal(err)
	}
	ms := append([]mls.Member{creator}, addAndJoin(t, creator, cs[1:])...)
	up, err := ms[1].Update()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if i != 1 {
			if err := m.Process(up.Handshake); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := ms[1].Adopt(up); err != nil {
		t.Fatal(err)
	}
	e.sizes = [2]treeSizeEntry{}
	encoded := map[*ratchettree.Tree]bool{}
	want := ms[1].StateSize()
	for _, m := range ms {
		encoded[m.(*Member).g.Tree()] = true
		if got := m.StateSize(); got != want {
			t.Fatalf("state sizes differ within an epoch: %d and %d", got, want)
		}
	}
	if len(encoded) < 2 {
		t.Fatalf("the members hold %d tree(s): the test needs copies", len(encoded))
	}
	if e.sizes[1].tree != nil {
		t.Fatal("the tree was encoded more than once for one epoch")
	}
}

// addAndJoin has creator add the clients in one commit, adopts it, and returns the members
// the clients become by joining from its Welcome, in order.
func addAndJoin(t *testing.T, creator mls.Member, clients []mls.Client) []mls.Member {
	t.Helper()
	var kps [][]byte
	for _, c := range clients {
		kp, err := c.KeyPackage()
		if err != nil {
			t.Fatal(err)
		}
		kps = append(kps, kp)
	}
	p, err := creator.Add(kps)
	if err != nil {
		t.Fatal(err)
	}
	if err := creator.Adopt(p); err != nil {
		t.Fatal(err)
	}
	var ms []mls.Member
	for _, c := range clients {
		m, err := c.Join(p.Welcome)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, m)
	}
	return ms
}
