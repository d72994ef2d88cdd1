package gomls

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	gm "github.com/cisco/go-mls"
	syntax "github.com/cisco/go-tls-syntax"

	"github.com/mimisim/mimisim/models/mls"
)

// propose has each member of by propose an Update and returns the encoded proposals.
func proposeUpdates(t testing.TB, members []*Member, by ...int) [][]byte {
	t.Helper()
	var out [][]byte
	for _, i := range by {
		p, err := members[i].ProposeUpdate()
		if err != nil {
			t.Fatalf("leaf %d proposes an update: %v", i, err)
		}
		out = append(out, p)
	}
	return out
}

// proposeRemove has member by propose the removal of leaf.
func proposeRemove(t testing.TB, members []*Member, by, leaf int) []byte {
	t.Helper()
	p, err := members[by].ProposeRemove(leaf)
	if err != nil {
		t.Fatalf("leaf %d proposes to remove leaf %d: %v", by, leaf, err)
	}
	return p
}

// commitProposals has member by commit the proposals.
func commitProposals(t testing.TB, members []*Member, by int, proposals [][]byte) *mls.Pending {
	t.Helper()
	p, err := members[by].CommitProposals(proposals)
	if err != nil {
		t.Fatalf("leaf %d commits %d proposals: %v", by, len(proposals), err)
	}
	return p
}

// leafKey returns the HPKE public key of leaf in m's tree.
func leafKey(t testing.TB, m *Member, leaf int) []byte {
	t.Helper()
	kp, ok := m.state.Tree.KeyPackage(gm.LeafIndex(leaf))
	if !ok {
		t.Fatalf("leaf %d is empty for leaf %d", leaf, m.Index())
	}
	return kp.InitKey.Data
}

// snapshot is what must not change when a member builds something without adopting it.
type snapshot struct {
	epoch   uint64
	auth    []byte
	members []string
	size    int
}

func snap(m *Member) snapshot {
	return snapshot{m.Epoch(), m.EpochAuthenticator(), m.Members(), m.StateSize()}
}

func (s snapshot) equal(o snapshot) bool {
	return s.epoch == o.epoch && bytes.Equal(s.auth, o.auth) && slices.Equal(s.members, o.members) && s.size == o.size
}

// TestCommitProposals is the proposals + designated committer flow: members 1, 2 and 3 of five
// propose Updates, member 0 commits them, everyone else (the proposers among them) processes.
func TestCommitProposals(t *testing.T) {
	members := newGroup(t, 5)
	before := make([][]byte, len(members))
	for i := range members {
		before[i] = leafKey(t, members[0], i)
	}
	sizes := map[int]int{}
	for _, i := range []int{1, 2, 3} {
		sizes[i] = members[i].StateSize()
	}
	unchanged := snap(members[1])
	proposals := proposeUpdates(t, members, 1, 2, 3)
	for _, i := range []int{1, 2, 3} {
		m := members[i]
		if m.Epoch() != 1 || !bytes.Equal(m.EpochAuthenticator(), unchanged.auth) || len(m.updates) != 1 {
			t.Fatalf("leaf %d after proposing: epoch %d, %d kept update secrets", i, m.Epoch(), len(m.updates))
		}
		if m.StateSize() <= sizes[i] {
			t.Fatalf("leaf %d: state size %d after proposing, %d before; the kept secret is not counted", i, m.StateSize(), sizes[i])
		}
	}

	p := commitProposals(t, members, 0, proposals)
	if p.Op != mls.OpCommitProposals || p.Epoch != 1 || p.Welcome != nil || len(p.Handshake) != 4 {
		t.Fatalf("pending: op %s, epoch %d, welcome %d bytes, %d messages", p.Op, p.Epoch, len(p.Welcome), len(p.Handshake))
	}
	for i, enc := range proposals {
		if !bytes.Equal(p.Handshake[i], enc) {
			t.Fatalf("handshake message %d is not proposal %d", i, i)
		}
	}
	deliver(t, members, 0, p)
	if got := agree(t, members); !slices.Equal(got, names(0, 5)) {
		t.Fatalf("members %v", got)
	}
	if members[0].Epoch() != 2 || bytes.Equal(members[0].EpochAuthenticator(), unchanged.auth) {
		t.Fatalf("epoch %d after the commit, authenticator unchanged: %v", members[0].Epoch(),
			bytes.Equal(members[0].EpochAuthenticator(), unchanged.auth))
	}
	for i := range members {
		changed := !bytes.Equal(leafKey(t, members[4], i), before[i])
		if want := i != 4; changed != want { // 1-3 updated, 0 committed with a path
			t.Errorf("leaf %d: key changed %v, want %v", i, changed, want)
		}
	}
	for s := range members {
		roundTrip(t, members, s)
	}
	for i, m := range members {
		if len(m.updates) != 0 {
			t.Errorf("leaf %d keeps %d update secrets after the epoch ended", i, len(m.updates))
		}
		if len(m.state.PendingUpdates) != 0 {
			t.Errorf("leaf %d: go-mls state keeps %d update secrets", i, len(m.state.PendingUpdates))
		}
	}

	// Proposals of the old epoch are refused, by any committer.
	for _, by := range []int{0, 4} {
		for i, enc := range proposals {
			if _, err := members[by].CommitProposals([][]byte{enc}); !errors.Is(err, mls.ErrWrongEpoch) {
				t.Errorf("leaf %d commits old proposal %d: %v, want an error wrapping mls.ErrWrongEpoch", by, i, err)
			}
		}
	}
	if err := members[4].Process(p.Handshake); !errors.Is(err, mls.ErrWrongEpoch) {
		t.Errorf("processing the old commit again: %v, want mls.ErrWrongEpoch", err)
	}

	// The proposers' new leaf keys keep working: commits with a path from elsewhere in the tree,
	// and another round of proposals committed by a proposer.
	for _, by := range []int{4, 2} {
		p, err := members[by].Update()
		if err != nil {
			t.Fatal(err)
		}
		deliver(t, members, by, p)
		agree(t, members)
		roundTrip(t, members, 1)
	}
	p = commitProposals(t, members, 3, proposeUpdates(t, members, 0, 4, 1))
	deliver(t, members, 3, p)
	agree(t, members)
	for s := range members {
		roundTrip(t, members, s)
	}
}

// TestProposeRemove has members propose removals (of another member, or of themselves) that a third
// member commits. The removed member's Process fails with mls.ErrRemoved and leaves it as it was.
func TestProposeRemove(t *testing.T) {
	cases := []struct {
		name               string
		proposer, target   int
		committer, updater int // updater also proposes an Update (-1: nobody)
	}{
		{"another member", 2, 4, 0, 1},
		{"itself (leave)", 3, 3, 1, -1},
		{"the committer's neighbour", 0, 5, 4, 6},
		{"leaf 0", 6, 0, 7, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			members := newGroup(t, 8)
			proposals := [][]byte{proposeRemove(t, members, c.proposer, c.target)}
			if c.updater >= 0 {
				proposals = append(proposals, proposeUpdates(t, members, c.updater)...)
			}
			p := commitProposals(t, members, c.committer, proposals)
			if len(p.Handshake) != len(proposals)+1 {
				t.Fatalf("%d handshake messages", len(p.Handshake))
			}
			removed := members[c.target]
			was := snap(removed)

			// A forged commit is not taken for a removal.
			forged := slices.Clone(p.Handshake)
			last := forged[len(forged)-1]
			forged[len(forged)-1] = flip(last, len(last)-3)
			if err := removed.Process(forged); err == nil || errors.Is(err, mls.ErrRemoved) {
				t.Fatalf("forged commit: %v, want an error other than mls.ErrRemoved", err)
			}

			members[c.target] = nil
			deliver(t, members, c.committer, p)
			want := slices.Delete(names(0, 8), c.target, c.target+1)
			if got := agree(t, members); !slices.Equal(got, want) {
				t.Fatalf("members %v, want %v", got, want)
			}
			err := removed.Process(p.Handshake)
			if !errors.Is(err, mls.ErrRemoved) {
				t.Fatalf("the removed member processes its removal: %v, want mls.ErrRemoved", err)
			}
			if !snap(removed).equal(was) {
				t.Fatal("the removed member changed")
			}
			for s, m := range members {
				if m != nil {
					roundTrip(t, members, s)
				}
			}
		})
	}
}

// TestCommitProposalsNotAdopted checks that building a proposal commit leaves the committer as it
// was, and that it can then process another member's commit of the same proposals.
func TestCommitProposalsNotAdopted(t *testing.T) {
	members := newGroup(t, 5)
	p, err := members[1].Update() // gives leaf 1 a parent-hash extension, see TestPendingNotAdopted
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, members, 1, p)

	proposals := append(proposeUpdates(t, members, 2, 3), proposeRemove(t, members, 2, 4))
	was := snap(members[1])
	for range 2 {
		p, err := members[1].CommitProposals(proposals)
		if err != nil {
			t.Fatal(err)
		}
		if p.Epoch != was.epoch || p.State == nil {
			t.Fatalf("pending epoch %d, want %d", p.Epoch, was.epoch)
		}
		if !snap(members[1]).equal(was) {
			t.Fatal("building a proposal commit changed the committer")
		}
	}
	other := commitProposals(t, members, 0, proposals)
	if err := members[1].Adopt(other); err == nil {
		t.Fatal("adopted another member's pending commit")
	}
	members[4] = nil
	deliver(t, members, 0, other)
	agree(t, members)
	for s, m := range members {
		if m != nil {
			roundTrip(t, members, s)
		}
	}
}

// TestCommitProposalsRejects feeds CommitProposals inputs it must refuse; none may change the
// committer (leaf 0) or reach a go-mls panic (which the adapter would turn into an error).
func TestCommitProposalsRejects(t *testing.T) {
	members := newGroup(t, 5)
	otherGroup := newGroupID(t, 3, "other group")
	upd1 := proposeUpdates(t, members, 1)[0]
	upd1b := proposeUpdates(t, members, 1)[0]
	upd2 := proposeUpdates(t, members, 2)[0]
	own := proposeUpdates(t, members, 0)[0]
	rem3by2 := proposeRemove(t, members, 2, 3)
	rem3by4 := proposeRemove(t, members, 4, 3)
	rem1by3 := proposeRemove(t, members, 3, 1)
	remCommitter := proposeRemove(t, members, 2, 0)
	ownRemove := proposeRemove(t, members, 0, 4)
	foreign := proposeUpdates(t, otherGroup, 1)[0]
	// ProposeRemove refuses a leaf outside the tree; go-mls signs one (and would panic applying it).
	outside, err := members[2].state.Remove(100)
	if err != nil {
		t.Fatal(err)
	}
	remOutside, err := syntax.Marshal(*outside)
	if err != nil {
		t.Fatal(err)
	}
	// Proposals the adapter's API does not build, signed with go-mls directly: an Update to a
	// KeyPackage of another ciphersuite (go-mls panics applying it) and Adds of one KeyPackage by
	// two members.
	otherSuite := signed(t, members[1], func(s *gm.State) (*gm.MLSPlaintext, error) {
		c := members[1].client
		secret := c.secret()
		kp, err := gm.NewKeyPackageWithSecret(gm.X25519_CHACHA20POLY1305_SHA256_Ed25519, secret, c.cred, c.sigPriv)
		if err != nil {
			return nil, err
		}
		return s.Update(secret, nil, *kp)
	})
	var joinerKP gm.KeyPackage
	if _, err := syntax.Unmarshal(keyPackage(t, newClient(t, "joiner")), &joinerKP); err != nil {
		t.Fatal(err)
	}
	add2 := signed(t, members[2], func(s *gm.State) (*gm.MLSPlaintext, error) { return s.Add(joinerKP) })
	add3 := signed(t, members[3], func(s *gm.State) (*gm.MLSPlaintext, error) { return s.Add(joinerKP) })
	commit, err := members[2].Update()
	if err != nil {
		t.Fatal(err)
	}
	// A proposal of the next epoch: leaf 3 moves on alone.
	ahead := newGroup(t, 5)
	adv, err := ahead[3].Update()
	if err != nil {
		t.Fatal(err)
	}
	deliver(t, ahead[3:4], 0, adv)
	future := proposeUpdates(t, ahead, 3)[0]

	cases := []struct {
		name      string
		proposals [][]byte
		want      error // nil: any error
	}{
		{"no proposals", nil, nil},
		{"empty message", [][]byte{{}}, nil},
		{"garbage", [][]byte{bytes.Repeat([]byte{0xff}, 64)}, nil},
		{"truncated", [][]byte{upd1[:len(upd1)/2]}, nil},
		{"trailing bytes", [][]byte{append(slices.Clone(upd1), 0)}, nil},
		{"flipped signature byte", [][]byte{flip(upd1, len(upd1)-3)}, nil},
		{"flipped content byte", [][]byte{upd2, flip(rem3by2, len(rem3by2)-70)}, nil},
		{"a commit", [][]byte{commit.Handshake[0]}, nil},
		{"another group's proposal", [][]byte{foreign}, nil},
		{"proposal of a later epoch", [][]byte{upd2, future}, mls.ErrWrongEpoch},
		{"own update proposal", [][]byte{upd2, own}, nil},
		{"own remove proposal", [][]byte{upd2, ownRemove}, nil},
		{"proposal given twice", [][]byte{upd1, upd2, upd1}, nil},
		{"two updates of one leaf", [][]byte{upd1, upd1b}, nil},
		{"two removes of one leaf", [][]byte{rem3by2, rem3by4}, nil},
		{"update and remove of one leaf", [][]byte{upd1, rem1by3}, nil},
		{"remove of the committer", [][]byte{remCommitter}, nil},
		{"remove of a leaf outside the tree", [][]byte{upd2, remOutside}, nil},
		{"update to another ciphersuite", [][]byte{otherSuite}, nil},
		{"one key package added twice", [][]byte{add2, upd1, add3}, nil},
	}
	was := snap(members[0])
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := members[0].CommitProposals(c.proposals)
			if err == nil {
				t.Fatalf("accepted: %d handshake messages", len(p.Handshake))
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %v, want one wrapping %v", err, c.want)
			}
			if strings.Contains(err.Error(), "panicked") {
				t.Fatalf("go-mls panicked on it: %v", err)
			}
			if !snap(members[0]).equal(was) {
				t.Fatal("a refused CommitProposals changed the member")
			}
		})
	}
	// The valid ones still commit.
	p := commitProposals(t, members, 0, [][]byte{upd1b, rem3by2, upd2})
	members[3] = nil
	deliver(t, members, 0, p)
	agree(t, members)
	roundTrip(t, members, 1)
}

// signed encodes a proposal that build signs with a copy of m's go-mls state.
func signed(t testing.TB, m *Member, build func(*gm.State) (*gm.MLSPlaintext, error)) []byte {
	t.Helper()
	pt, err := build(clone(m.state))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := syntax.Marshal(*pt)
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestCommitAddProposal commits another member's Add proposal (which the adapter's API does not
// build, but a peer's engine may) together with an Update: the Pending carries a Welcome.
func TestCommitAddProposal(t *testing.T) {
	members := newGroup(t, 4)
	joiner := newClient(t, "joiner")
	var kp gm.KeyPackage
	if _, err := syntax.Unmarshal(keyPackage(t, joiner), &kp); err != nil {
		t.Fatal(err)
	}
	add := signed(t, members[2], func(s *gm.State) (*gm.MLSPlaintext, error) { return s.Add(kp) })
	p := commitProposals(t, members, 1, [][]byte{add, proposeUpdates(t, members, 3)[0]})
	if p.Welcome == nil || len(p.Handshake) != 3 {
		t.Fatalf("welcome %d bytes, %d handshake messages", len(p.Welcome), len(p.Handshake))
	}
	deliver(t, members, 1, p)
	j, err := joiner.Join(p.Welcome)
	if err != nil {
		t.Fatal(err)
	}
	members = append(members, j.(*Member))
	if got := agree(t, members); !slices.Equal(got, []string{"m0", "m1", "m2", "m3", "joiner"}) {
		t.Fatalf("members %v", got)
	}
	for s := range members {
		roundTrip(t, members, s)
	}
}

func TestProposeRemoveValidation(t *testing.T) {
	members := newGroup(t, 5)
	p, err := members[0].Remove([]int{2})
	if err != nil {
		t.Fatal(err)
	}
	members[2] = nil
	deliver(t, members, 0, p)
	for _, leaf := range []int{-1, 2, 5, 8, 1 << 20} {
		if _, err := members[1].ProposeRemove(leaf); err == nil {
			t.Errorf("ProposeRemove(%d) succeeded", leaf)
		}
	}
	for _, leaf := range []int{0, 1, 4} {
		if _, err := members[1].ProposeRemove(leaf); err != nil {
			t.Errorf("ProposeRemove(%d): %v", leaf, err)
		}
	}
}

// TestProcessOwnUpdateWithoutSecret: a commit of the member's own Update proposal needs the secret
// ProposeUpdate kept; without it Process fails and changes nothing.
func TestProcessOwnUpdateWithoutSecret(t *testing.T) {
	members := newGroup(t, 4)
	p := commitProposals(t, members, 0, proposeUpdates(t, members, 2))
	kept := members[2].updates
	members[2].updates = nil
	was := snap(members[2])
	if err := members[2].Process(p.Handshake); err == nil {
		t.Fatal("processed its own update without the secret")
	}
	if !snap(members[2]).equal(was) {
		t.Fatal("the failed Process changed the member")
	}
	members[2].updates = kept
	deliver(t, members, 0, p)
	agree(t, members)
	roundTrip(t, members, 2)
}

// TestUpdateRefCollision covers go-mls's 64-bit proposal ref (toRef shifts byte i by i bits, not
// 8i, so refs of different proposals often collide). go-mls keeps one update secret per ref, so
// after two colliding Update proposals of one member it would hold only the later secret; a commit
// of the earlier one then fails for the proposer. The adapter keys the secrets by proposal id.
func TestUpdateRefCollision(t *testing.T) {
	members := newGroup(t, 5)
	var first, second []byte
	byRef := map[gm.ProposalRef][]byte{}
	for range 500 {
		enc := proposeUpdates(t, members, 1)[0]
		ref := members[1].updates[string(Suite.Digest(enc))].ref
		if prev, ok := byRef[ref]; ok {
			first, second = prev, enc
			break
		}
		byRef[ref] = enc
	}
	if first == nil {
		t.Fatal("no two of 500 update proposals share a go-mls ref")
	}
	p := commitProposals(t, members, 0, [][]byte{first})

	// What go-mls alone would do: the later proposal's secret under the shared ref.
	naive := clone(members[1].state)
	naive.PendingUpdates = maps.Clone(members[1].updates[string(Suite.Digest(second))].carrier.PendingUpdates)
	var err error
	for _, enc := range p.Handshake {
		var pt gm.MLSPlaintext
		if err = decode(enc, &pt); err == nil {
			_, err = naive.Handle(&pt)
		}
	}
	if err == nil {
		t.Fatal("go-mls processed the commit with the secret of the other proposal; the test no longer shows the collision")
	}

	deliver(t, members, 0, p)
	agree(t, members)
	for s := range members {
		roundTrip(t, members, s)
	}
}

// TestRandomProposals runs a reproducible random mix of proposal rounds: some members propose
// Updates and Removes, another member commits them, everyone checks agreement and messaging.
func TestRandomProposals(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	members := newGroup(t, 12)
	for step := range 30 {
		var live []int
		for i, m := range members {
			if m != nil {
				live = append(live, i)
			}
		}
		committer := live[rng.IntN(len(live))]
		var proposals [][]byte
		touched := map[int]bool{committer: true}
		var removed []int
		for _, i := range live {
			if touched[i] || rng.IntN(3) != 0 {
				continue
			}
			touched[i] = true
			if rng.IntN(3) == 0 && len(live)-len(removed) > 3 {
				proposer := live[rng.IntN(len(live))]
				for proposer == committer {
					proposer = live[rng.IntN(len(live))]
				}
				proposals = append(proposals, proposeRemove(t, members, proposer, i))
				removed = append(removed, i)
			} else {
				proposals = append(proposals, proposeUpdates(t, members, i)...)
			}
		}
		if len(proposals) == 0 {
			continue
		}
		p := commitProposals(t, members, committer, proposals)
		gone := map[int]*Member{}
		for _, i := range removed {
			gone[i], members[i] = members[i], nil
		}
		deliver(t, members, committer, p)
		for i, m := range gone {
			if err := m.Process(p.Handshake); !errors.Is(err, mls.ErrRemoved) {
				t.Fatalf("step %d: removed leaf %d: %v", step, i, err)
			}
		}
		agree(t, members)
		sender := live[rng.IntN(len(live))]
		for members[sender] == nil {
			sender = (sender + 1) % len(members)
		}
		roundTrip(t, members, sender)
	}
}

func Example_proposals() {
	engine := New()
	var members []mls.Member
	creator, _ := engine.NewClient("m0", []byte("seed 0"))
	m0, _ := creator.CreateGroup([]byte("chat"))
	var kps [][]byte
	var clients []mls.Client
	for i := 1; i < 3; i++ {
		c, _ := engine.NewClient(fmt.Sprintf("m%d", i), []byte(fmt.Sprintf("seed %d", i)))
		kp, _ := c.KeyPackage()
		clients, kps = append(clients, c), append(kps, kp)
	}
	add, _ := m0.Add(kps)
	_ = m0.Adopt(add)
	members = append(members, m0)
	for _, c := range clients {
		m, _ := c.Join(add.Welcome)
		members = append(members, m)
	}

	// m1 asks for an update of its leaf and for m2's removal; m0 is the designated committer.
	upd, _ := members[1].ProposeUpdate()
	rem, _ := members[1].ProposeRemove(2)
	commit, _ := members[0].CommitProposals([][]byte{upd, rem})
	_ = members[0].Adopt(commit) // after the hub accepted it
	fmt.Println(members[1].Process(commit.Handshake))
	fmt.Println(errors.Is(members[2].Process(commit.Handshake), mls.ErrRemoved))
	fmt.Println(members[0].Members(), members[1].Epoch(),
		bytes.Equal(members[0].EpochAuthenticator(), members[1].EpochAuthenticator()))
	// Output:
	// <nil>
	// true
	// [m0 m1] 2 true
}
