package gomls

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/mimisim/mimisim/models/mls"
)

// newClient creates a client with a seed derived from its identity.
func newClient(t testing.TB, identity string) *Client {
	t.Helper()
	c, err := NewClient(identity, []byte("seed/"+identity))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// keyPackage returns a fresh encoded KeyPackage of c.
func keyPackage(t testing.TB, c *Client) []byte {
	t.Helper()
	kp, err := c.KeyPackage()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// newGroup creates a group of n members "m0".."m<n-1>" with one Add commit by m0; member i sits
// at leaf i.
func newGroup(t testing.TB, n int) []*Member {
	t.Helper()
	return newGroupID(t, n, "group")
}

// newGroupID is newGroup with a group id.
func newGroupID(t testing.TB, n int, groupID string) []*Member {
	t.Helper()
	creator := newClient(t, "m0")
	m0, err := creator.CreateGroup([]byte(groupID))
	if err != nil {
		t.Fatal(err)
	}
	members := []*Member{m0.(*Member)}
	if n == 1 {
		return members
	}
	var clients []*Client
	var kps [][]byte
	for i := 1; i < n; i++ {
		c := newClient(t, fmt.Sprintf("m%d", i))
		clients = append(clients, c)
		kps = append(kps, keyPackage(t, c))
	}
	p, err := members[0].Add(kps)
	if err != nil {
		t.Fatal(err)
	}
	if p.Welcome == nil || len(p.Handshake) != n {
		t.Fatalf("add of %d: welcome %d bytes, %d handshake messages; want a welcome and %d messages",
			n-1, len(p.Welcome), len(p.Handshake), n)
	}
	if err := members[0].Adopt(p); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		m, err := c.Join(p.Welcome)
		if err != nil {
			t.Fatalf("%s joins: %v", c.Identity(), err)
		}
		members = append(members, m.(*Member))
	}
	return members
}

// deliver has the committer adopt p and every other non-nil member process it.
func deliver(t testing.TB, members []*Member, by int, p *mls.Pending) {
	t.Helper()
	if err := members[by].Adopt(p); err != nil {
		t.Fatalf("m%d adopts its %s: %v", by, p.Op, err)
	}
	for i, m := range members {
		if i == by || m == nil {
			continue
		}
		if err := m.Process(p.Handshake); err != nil {
			t.Fatalf("leaf %d processes the %s of leaf %d: %v", i, p.Op, by, err)
		}
	}
}

// agree checks that every non-nil member has the same epoch, authenticator and member list, and
// returns the member list.
func agree(t testing.TB, members []*Member) []string {
	t.Helper()
	var ref *Member
	for _, m := range members {
		if m == nil {
			continue
		}
		if ref == nil {
			ref = m
			continue
		}
		if m.Epoch() != ref.Epoch() {
			t.Fatalf("leaf %d is in epoch %d, leaf %d in epoch %d", m.Index(), m.Epoch(), ref.Index(), ref.Epoch())
		}
		if !bytes.Equal(m.EpochAuthenticator(), ref.EpochAuthenticator()) {
			t.Fatalf("leaves %d and %d disagree on the epoch authenticator", m.Index(), ref.Index())
		}
		if !slices.Equal(m.Members(), ref.Members()) {
			t.Fatalf("leaf %d sees %v, leaf %d sees %v", m.Index(), m.Members(), ref.Index(), ref.Members())
		}
		if m.Size() != ref.Size() {
			t.Fatalf("leaf %d sees %d members, leaf %d sees %d", m.Index(), m.Size(), ref.Index(), ref.Size())
		}
	}
	return ref.Members()
}

// roundTrip has sender protect a message that every other non-nil member must unprotect.
func roundTrip(t testing.TB, members []*Member, sender int) {
	t.Helper()
	msg := []byte(fmt.Sprintf("hello from leaf %d in epoch %d", sender, members[sender].Epoch()))
	ct, err := members[sender].Protect(msg)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range members {
		if i == sender || m == nil {
			continue
		}
		got, err := m.Unprotect(ct)
		if err != nil {
			t.Fatalf("leaf %d unprotects from leaf %d: %v", i, sender, err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("leaf %d got %q, want %q", i, got, msg)
		}
	}
}

func names(from, to int) []string {
	var s []string
	for i := from; i < to; i++ {
		s = append(s, fmt.Sprintf("m%d", i))
	}
	return s
}

func TestEngineIdentity(t *testing.T) {
	e := New()
	if e.Name() != "gomls" {
		t.Errorf("Name() = %q", e.Name())
	}
	if want := "github.com/cisco/go-mls v0.0.0-20210331162924-158a3829b839 (draft-09 era, not RFC 9420)"; e.Version() != want {
		t.Errorf("Version() = %q, want %q", e.Version(), want)
	}
	if e.MaxMembers() != 128 {
		t.Errorf("MaxMembers() = %d, want 128", e.MaxMembers())
	}
	c, err := e.NewClient("alice", []byte{1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Identity() != "alice" {
		t.Errorf("Identity() = %q", c.Identity())
	}
	if _, err := e.NewClient("", []byte{1}); err == nil {
		t.Error("NewClient accepted an empty identity")
	}
}

func TestGroupLifecycle(t *testing.T) {
	for _, n := range []int{2, 3, 8, 33} {
		t.Run(fmt.Sprintf("members=%d", n), func(t *testing.T) {
			members := newGroup(t, n)
			if got := agree(t, members); !slices.Equal(got, names(0, n)) {
				t.Fatalf("members %v, want %v", got, names(0, n))
			}
			for i, m := range members {
				if m.Epoch() != 1 || m.Index() != i || m.Size() != n {
					t.Fatalf("member %d: epoch %d, index %d, size %d; want 1, %d, %d", i, m.Epoch(), m.Index(), m.Size(), i, n)
				}
			}
			for s := range members {
				roundTrip(t, members, s)
			}

			// An Update commit by a member in the middle of the tree.
			by := n / 2
			before := members[by].EpochAuthenticator()
			p, err := members[by].Update()
			if err != nil {
				t.Fatal(err)
			}
			if p.Op != mls.OpCommitUpdate || p.Epoch != 1 || p.Welcome != nil || len(p.Handshake) != 1 {
				t.Fatalf("update pending: op %s, epoch %d, welcome %d bytes, %d messages", p.Op, p.Epoch, len(p.Welcome), len(p.Handshake))
			}
			deliver(t, members, by, p)
			agree(t, members)
			if members[0].Epoch() != 2 || bytes.Equal(before, members[by].EpochAuthenticator()) {
				t.Fatalf("after the update: epoch %d and an unchanged authenticator", members[0].Epoch())
			}
			roundTrip(t, members, 0)

			// m0 removes the last member.
			last := n - 1
			p, err = members[0].Remove([]int{last})
			if err != nil {
				t.Fatal(err)
			}
			if p.Op != mls.OpCommitRemove || len(p.Handshake) != 2 {
				t.Fatalf("remove pending: op %s, %d messages", p.Op, len(p.Handshake))
			}
			removed := members[last]
			members[last] = nil
			deliver(t, members, 0, p)
			if got := agree(t, members); !slices.Equal(got, names(0, n-1)) {
				t.Fatalf("after the remove: members %v, want %v", got, names(0, n-1))
			}
			if members[0].Size() != n-1 || members[0].Epoch() != 3 {
				t.Fatalf("after the remove: size %d epoch %d", members[0].Size(), members[0].Epoch())
			}
			if err := removed.Process(p.Handshake); err == nil {
				t.Error("the removed member processed its own removal")
			}
			for s, m := range members {
				if m != nil {
					roundTrip(t, members, s)
				}
			}
		})
	}
}

// TestAddAfterRemove covers the stale path secret go-mls puts in the Welcome of an Add-only commit
// after a Remove (see dropStalePathSecrets): without the repair the joiner fails the last commit.
func TestAddAfterRemove(t *testing.T) {
	members := newGroup(t, 16)
	p, err := members[0].Update()
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 0, p)

	members[2] = nil
	p, err = members[5].Remove([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 5, p)

	joiner := newClient(t, "joiner")
	p, err = members[0].Add([][]byte{keyPackage(t, joiner)})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 0, p)
	j, err := joiner.Join(p.Welcome)
	if err != nil {
		t.Fatal(err)
	}
	if j.Index() != 2 {
		t.Fatalf("joiner at leaf %d, want the freed leaf 2", j.Index())
	}
	members[2] = j.(*Member)
	agree(t, members)

	for _, by := range []int{12, 2, 7} {
		p, err = members[by].Update()
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, members, by, p)
		agree(t, members)
		roundTrip(t, members, 2)
	}
}

// TestRandomOperations runs a reproducible random mix of adds, removes and updates by random
// members and checks after every commit that all members agree and can exchange messages.
func TestRandomOperations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	members := newGroup(t, 6)
	next := 6
	for step := 0; step < 60; step++ {
		var live []int
		for i, m := range members {
			if m != nil {
				live = append(live, i)
			}
		}
		by := live[rng.IntN(len(live))]
		var p *mls.Pending
		var err error
		var joiners []*Client
		switch op := rng.IntN(3); {
		case op == 0 && len(live) < 24:
			k := 1 + rng.IntN(3)
			var kps [][]byte
			for range k {
				c := newClient(t, fmt.Sprintf("m%d", next))
				next++
				joiners = append(joiners, c)
				kps = append(kps, keyPackage(t, c))
			}
			p, err = members[by].Add(kps)
		case op == 1 && len(live) > 2:
			var victims []int
			for _, i := range live {
				if i != by && rng.IntN(4) == 0 && len(victims) < len(live)-2 {
					victims = append(victims, i)
				}
			}
			if len(victims) == 0 {
				continue
			}
			p, err = members[by].Remove(victims)
			for _, v := range victims {
				members[v] = nil
			}
		default:
			p, err = members[by].Update()
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		deliver(t, members, by, p)
		for _, c := range joiners {
			m, err := c.Join(p.Welcome)
			if err != nil {
				t.Fatalf("step %d: %s joins: %v", step, c.Identity(), err)
			}
			for len(members) <= m.Index() {
				members = append(members, nil)
			}
			members[m.Index()] = m.(*Member)
		}
		agree(t, members)
		sender := rng.IntN(len(members))
		for members[sender] == nil {
			sender = (sender + 1) % len(members)
		}
		roundTrip(t, members, sender)
	}
}

func TestWrongEpoch(t *testing.T) {
	members := newGroup(t, 4)
	oldMsg, err := members[1].Protect([]byte("epoch 1"))
	if err != nil {
		t.Fatal(err)
	}
	first, err := members[2].Update()
	if err != nil {
		t.Fatal(err)
	}
	stale, err := members[0].Update() // built in epoch 1, never adopted
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 2, first)

	cases := []struct {
		name string
		run  func() error
	}{
		{"process a commit of the previous epoch", func() error { return members[1].Process(stale.Handshake) }},
		{"process an already processed commit", func() error { return members[1].Process(first.Handshake) }},
		{"adopt a commit built in the previous epoch", func() error { return members[0].Adopt(stale) }},
		{"unprotect a message of the previous epoch", func() error { _, err := members[3].Unprotect(oldMsg); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := members[1].Epoch()
			err := c.run()
			if !errors.Is(err, mls.ErrWrongEpoch) {
				t.Fatalf("error %v, want one wrapping mls.ErrWrongEpoch", err)
			}
			if members[1].Epoch() != before {
				t.Fatal("the failed call changed the epoch")
			}
		})
	}
	agree(t, members)
	roundTrip(t, members, 0)
}

// TestPendingNotAdopted builds commits of every kind without adopting them and checks that the
// member is unchanged and keeps working with the group.
func TestPendingNotAdopted(t *testing.T) {
	members := newGroup(t, 5)
	// A first adopted update gives m1's leaf the parent-hash extension that a later Encap
	// rewrites; discarded commits must not leak that rewrite into the live tree.
	p, err := members[1].Update()
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 1, p)

	m := members[1]
	epoch, auth, list, size := m.Epoch(), m.EpochAuthenticator(), m.Members(), m.StateSize()
	builders := map[string]func() (*mls.Pending, error){
		"update": m.Update,
		"remove": func() (*mls.Pending, error) { return m.Remove([]int{3}) },
		"add": func() (*mls.Pending, error) {
			return m.Add([][]byte{keyPackage(t, newClient(t, "outsider"))})
		},
	}
	for _, name := range []string{"update", "remove", "add", "update"} {
		p, err := builders[name]()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Epoch != epoch || p.State == nil {
			t.Fatalf("%s: pending epoch %d, want %d", name, p.Epoch, epoch)
		}
		if m.Epoch() != epoch || !bytes.Equal(m.EpochAuthenticator(), auth) || !slices.Equal(m.Members(), list) || m.StateSize() != size {
			t.Fatalf("building a %s commit changed the member", name)
		}
	}
	// Another member's Pending is not ours to adopt.
	other, err := members[2].Update()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Adopt(other); err == nil {
		t.Fatal("adopted another member's pending commit")
	}
	// The member still follows the group.
	deliver(t, members, 2, other)
	agree(t, members)
	roundTrip(t, members, 1)
	p, err = m.Update()
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 1, p)
	agree(t, members)
}

func TestProcessRejects(t *testing.T) {
	members := newGroup(t, 3)
	upd, err := members[0].Update()
	if err != nil {
		t.Fatal(err)
	}
	rem, err := members[0].Remove([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	otherGroup := newGroupID(t, 3, "other group")
	foreign, err := otherGroup[0].Update()
	if err != nil {
		t.Fatal(err)
	}
	commit := upd.Handshake[0]
	cases := []struct {
		name      string
		by        int
		handshake [][]byte
	}{
		{"no messages", 1, nil},
		{"empty message", 1, [][]byte{{}}},
		{"garbage", 1, [][]byte{{0xde, 0xad, 0xbe, 0xef}}},
		{"truncated commit", 1, [][]byte{commit[:len(commit)/2]}},
		{"commit with trailing bytes", 1, [][]byte{append(slices.Clone(commit), 0)}},
		{"flipped signature byte", 1, [][]byte{flip(commit, len(commit)-3)}},
		{"commit without its proposal", 1, rem.Handshake[1:]},
		{"proposal without its commit", 1, rem.Handshake[:1]},
		{"commit before its proposal", 1, [][]byte{rem.Handshake[1], rem.Handshake[0]}},
		{"own commit", 0, upd.Handshake},
		{"commit of another group", 1, foreign.Handshake},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := members[c.by]
			epoch, auth := m.Epoch(), m.EpochAuthenticator()
			if err := m.Process(c.handshake); err == nil {
				t.Fatal("Process accepted the messages")
			}
			if m.Epoch() != epoch || !bytes.Equal(m.EpochAuthenticator(), auth) {
				t.Fatal("a rejected Process changed the member")
			}
		})
	}
	deliver(t, members, 0, upd)
	agree(t, members)
}

func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 1
	return c
}

func TestMalformedInputs(t *testing.T) {
	members := newGroup(t, 3)
	c := newClient(t, "x")
	ct, err := members[0].Protect([]byte("payload"))
	if err != nil {
		t.Fatal(err)
	}
	kp := keyPackage(t, newClient(t, "y"))
	inputs := map[string][]byte{
		"nil":       nil,
		"zero":      {0},
		"garbage":   bytes.Repeat([]byte{0xff}, 64),
		"half ct":   ct[:len(ct)/2],
		"bit flip":  flip(ct, len(ct)-1),
		"half kp":   kp[:len(kp)/2],
		"kp flip":   flip(kp, len(kp)-1),
		"huge head": {0, 1, 0xff, 0xff, 0xff, 0xff},
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			if _, err := members[1].Unprotect(in); err == nil {
				t.Error("Unprotect accepted it")
			}
			if _, err := c.Join(in); err == nil {
				t.Error("Join accepted it")
			}
			if _, err := members[0].Add([][]byte{in}); err == nil {
				t.Error("Add accepted it")
			}
		})
	}
	// go-mls erases a message key before it authenticates the message, so the corrupt copies
	// used up leaf 1's key; leaf 2 never saw them.
	if got, err := members[2].Unprotect(ct); err != nil || string(got) != "payload" {
		t.Fatalf("the intact message: %q, %v", got, err)
	}
}

func TestJoin(t *testing.T) {
	members := newGroup(t, 2)
	alice, bob, carol := newClient(t, "alice"), newClient(t, "bob"), newClient(t, "carol")
	_ = keyPackage(t, alice) // an older KeyPackage Alice keeps
	kpA, kpB := keyPackage(t, alice), keyPackage(t, bob)
	if alice.UnusedKeyPackages() != 2 {
		t.Fatalf("alice keeps %d key packages, want 2", alice.UnusedKeyPackages())
	}
	p, err := members[0].Add([][]byte{kpA, kpB})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 0, p)
	if _, err := carol.Join(p.Welcome); err == nil {
		t.Fatal("carol joined from a welcome that is not addressed to her")
	}
	a, err := alice.Join(p.Welcome)
	if err != nil {
		t.Fatal(err)
	}
	if alice.UnusedKeyPackages() != 1 {
		t.Fatalf("alice keeps %d key packages after joining, want 1", alice.UnusedKeyPackages())
	}
	if _, err := alice.Join(p.Welcome); err == nil {
		t.Fatal("alice joined twice with one KeyPackage")
	}
	b, err := bob.Join(p.Welcome)
	if err != nil {
		t.Fatal(err)
	}
	all := append(members, a.(*Member), b.(*Member))
	if got := agree(t, all); !slices.Equal(got, []string{"m0", "m1", "alice", "bob"}) {
		t.Fatalf("members %v", got)
	}
}

func TestRemoveValidation(t *testing.T) {
	members := newGroup(t, 4)
	p, err := members[0].Remove([]int{1})
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members[:1:1], 0, p) // only m0 moves on; leaf 1 is now empty for it
	for _, leaves := range [][]int{nil, {0}, {-1}, {4}, {1}, {2, 2}} {
		if _, err := members[0].Remove(leaves); err == nil {
			t.Errorf("Remove(%v) succeeded", leaves)
		}
	}
	if _, err := members[0].Remove([]int{2, 3}); err != nil {
		t.Errorf("Remove([2 3]): %v", err)
	}
}

func TestExport(t *testing.T) {
	members := newGroup(t, 3)
	a, err := members[0].Export("label", []byte("ctx"), 42)
	if err != nil {
		t.Fatal(err)
	}
	b, err := members[2].Export("label", []byte("ctx"), 42)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 42 || !bytes.Equal(a, b) {
		t.Fatalf("exports differ or have the wrong length: %x %x", a, b)
	}
	c, _ := members[0].Export("other", []byte("ctx"), 42)
	d, _ := members[0].Export("label", []byte("ctx2"), 42)
	if bytes.Equal(a, c) || bytes.Equal(a, d) {
		t.Fatal("the label or the context does not change the export")
	}
	for _, bad := range []struct {
		label string
		n     int
	}{{"x", 0}, {"x", -1}, {"x", 255*32 + 1}, {string(make([]byte, 250)), 16}} {
		if _, err := members[0].Export(bad.label, nil, bad.n); err == nil {
			t.Errorf("Export(label of %d bytes, %d) succeeded", len(bad.label), bad.n)
		}
	}
}

func TestStateSizeGrows(t *testing.T) {
	prev := 0
	for _, n := range []int{1, 2, 8, 32} {
		s := newGroup(t, n)[0].StateSize()
		if s <= prev {
			t.Fatalf("state of a %d-member group is %d bytes, not more than %d", n, s, prev)
		}
		prev = s
	}
}

func TestDeterministicKeyPackages(t *testing.T) {
	seq := func(identity string, seed []byte) [][]byte {
		c, err := NewClient(identity, seed)
		if err != nil {
			t.Fatal(err)
		}
		return [][]byte{keyPackage(t, c), keyPackage(t, c), keyPackage(t, c)}
	}
	a, b := seq("alice", []byte("s")), seq("alice", []byte("s"))
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("key package %d differs between clients with equal seeds", i)
		}
	}
	if bytes.Equal(a[0], a[1]) {
		t.Fatal("successive key packages are equal")
	}
	if c := seq("alice", []byte("t")); bytes.Equal(a[0], c[0]) {
		t.Fatal("key packages of different seeds are equal")
	}
}

// TestDeterministicReplay replays one sequence of operations twice. Message sizes are equal, and
// so are the secrets of the first epoch (its Add commit has no UpdatePath); after a commit with an
// UpdatePath the transcript hash covers HPKE ciphertexts, which use crypto/rand, so the secrets of
// the two runs part.
func TestDeterministicReplay(t *testing.T) {
	run := func() (sizes []int, auths [][]byte) {
		members := newGroup(t, 5)
		auths = append(auths, members[0].EpochAuthenticator())
		for _, by := range []int{3, 0, 4} {
			p, err := members[by].Update()
			if err != nil {
				t.Fatal(err)
			}
			deliver(t, members, by, p)
			sizes = append(sizes, p.Size())
			auths = append(auths, members[0].EpochAuthenticator())
		}
		ct, err := members[2].Protect(make([]byte, 100))
		if err != nil {
			t.Fatal(err)
		}
		return append(sizes, len(ct)), auths
	}
	s1, a1 := run()
	s2, a2 := run()
	if !slices.Equal(s1, s2) {
		t.Fatalf("message sizes %v and %v differ", s1, s2)
	}
	if !bytes.Equal(a1[0], a2[0]) {
		t.Fatal("epoch 1: authenticators differ between identical runs")
	}
	if bytes.Equal(a1[1], a2[1]) {
		t.Fatal("epoch 2: authenticators are equal although the UpdatePath ciphertexts are random; update the package doc")
	}
}

// TestLimitAt129Members pins MaxMembers: at 128 members the deepest leaves can still commit with
// an UpdatePath; at 129 the members in the first 128 leaves cannot (go-mls's nested parent-hash
// encoding outgrows a one-byte length) and get a *mls.LimitError, for Update, Remove and
// CommitProposals alike (proposing still works), while leaf 128 still can.
func TestLimitAt129Members(t *testing.T) {
	if testing.Short() {
		t.Skip("builds groups of 128 and 129 members")
	}
	at128 := newGroup(t, 128)
	for _, by := range []int{0, 127} {
		p, err := at128[by].Update()
		if err != nil {
			t.Fatalf("update by leaf %d of 128: %v", by, err)
		}
		deliver(t, at128, by, p)
	}
	p, err := at128[0].Remove([]int{1})
	if err != nil {
		t.Fatalf("remove in a group of 128: %v", err)
	}
	at128[1] = nil
	deliver(t, at128, 0, p)
	agree(t, at128)

	at129 := newGroup(t, 129)
	agree(t, at129)
	cases := []struct {
		op  mls.Op
		run func() (*mls.Pending, error)
	}{
		{mls.OpCommitUpdate, at129[0].Update},
		{mls.OpCommitUpdate, at129[127].Update},
		{mls.OpCommitRemove, func() (*mls.Pending, error) { return at129[5].Remove([]int{6}) }},
		{mls.OpCommitProposals, func() (*mls.Pending, error) {
			return at129[0].CommitProposals(proposeUpdates(t, at129, 1, 128))
		}},
		{mls.OpCommitProposals, func() (*mls.Pending, error) {
			return at129[64].CommitProposals([][]byte{proposeRemove(t, at129, 3, 4)})
		}},
	}
	for _, c := range cases {
		_, err := c.run()
		var le *mls.LimitError
		if !errors.As(err, &le) {
			t.Fatalf("%s at 129 members: error %v, want a *mls.LimitError", c.op, err)
		}
		if le.Engine != "gomls" || le.Op != c.op || le.GroupSize != 129 {
			t.Fatalf("limit error %+v", le)
		}
	}
	p, err = at129[128].Update()
	if err != nil {
		t.Fatalf("update by leaf 128 of 129: %v", err)
	}
	deliver(t, at129, 128, p)
	agree(t, at129)
	p, err = at129[128].CommitProposals(proposeUpdates(t, at129, 0, 127))
	if err != nil {
		t.Fatalf("proposal commit by leaf 128 of 129: %v", err)
	}
	deliver(t, at129, 128, p)
	agree(t, at129)
}

func Example() {
	engine := New()
	alice, _ := engine.NewClient("alice", []byte("alice's seed"))
	bob, _ := engine.NewClient("bob", []byte("bob's seed"))

	a, _ := alice.CreateGroup([]byte("chat"))
	kp, _ := bob.KeyPackage()
	add, _ := a.Add([][]byte{kp})
	_ = a.Adopt(add) // after the hub accepted the commit
	b, _ := bob.Join(add.Welcome)

	upd, _ := b.Update()
	_ = b.Adopt(upd)
	_ = a.Process(upd.Handshake)

	ct, _ := a.Protect([]byte("hi bob"))
	pt, _ := b.Unprotect(ct)
	fmt.Println(a.Members(), a.Epoch(), b.Epoch(), string(pt))
	fmt.Println(bytes.Equal(a.EpochAuthenticator(), b.EpochAuthenticator()))
	// Output:
	// [alice bob] 2 2 hi bob
	// true
}
