package calib

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls"
)

// payload is the application message of protect and unprotect.
var payload = make([]byte, 100)

// group is a measurement group: every op uses only its creator (leaf 0, whose direct path is the
// longest) and the member at the last leaf, so one group serves all ops of a size.
type group struct {
	first, last mls.Member
}

// Fixture builds, through the public mls API, the clients and groups the measurements use: one
// group per size, built on first use and kept. It is not safe for concurrent use.
type Fixture struct {
	engine mls.Engine
	groups map[int]*group
	seq    int
}

// NewFixture returns a fixture of an engine.
func NewFixture(engine mls.Engine) *Fixture {
	return &Fixture{engine: engine, groups: make(map[int]*group)}
}

// Run performs iteration i (0 ≤ i < the iterations it was prepared for) of a prepared op and
// returns the size in bytes of the message it made or read, or -1 if the op has none.
type Run func(i int) (bytes int, err error)

func (f *Fixture) client() (mls.Client, error) {
	f.seq++
	id := fmt.Sprintf("client-%d", f.seq)
	return f.engine.NewClient(id, []byte("bench/"+id))
}

func (f *Fixture) keyPackage() ([]byte, error) {
	c, err := f.client()
	if err != nil {
		return nil, err
	}
	return c.KeyPackage()
}

// group returns the group of n members, creating it by one Add commit of n-1 joiners.
func (f *Fixture) group(n int) (*group, error) {
	if g, ok := f.groups[n]; ok {
		return g, nil
	}
	if n < 2 {
		return nil, fmt.Errorf("calib: groups need at least 2 members, got %d", n)
	}
	c, err := f.client()
	if err != nil {
		return nil, err
	}
	creator, err := c.CreateGroup([]byte(fmt.Sprintf("bench group of %d", n)))
	if err != nil {
		return nil, err
	}
	var joiners []mls.Client
	var kps [][]byte
	for i := 1; i < n; i++ {
		c, err := f.client()
		if err != nil {
			return nil, err
		}
		kp, err := c.KeyPackage()
		if err != nil {
			return nil, err
		}
		joiners = append(joiners, c)
		kps = append(kps, kp)
	}
	p, err := creator.Add(kps)
	if err != nil {
		return nil, err
	}
	if err := creator.Adopt(p); err != nil {
		return nil, err
	}
	// Only the last joiner's state is used; the others need not process the Welcome.
	g := &group{first: creator}
	if g.last, err = joiners[len(joiners)-1].Join(p.Welcome); err != nil {
		return nil, err
	}
	if g.last.Index() != n-1 || g.last.Size() != n {
		return nil, fmt.Errorf("calib: last member at leaf %d of %d members, want %d of %d", g.last.Index(), g.last.Size(), n-1, n)
	}
	f.groups[n] = g
	return g, nil
}

// freshEpoch moves the first and the last member of g to a new epoch by an empty commit of leaf 0.
func (f *Fixture) freshEpoch(g *group) error {
	p, err := g.first.Update()
	if err != nil {
		return err
	}
	if err := g.first.Adopt(p); err != nil {
		return err
	}
	return g.last.Process(p.Handshake)
}

// Prepare sets up iters iterations of op in the group of n members (building the group if
// needed) and returns the part to time. What is prepared and what is timed:
//
//   - key_package, create_group: one client makes KeyPackages / one-member groups (n is unused);
//   - commit_add: iters KeyPackages are made beforehand; each iteration is leaf 0 building a
//     commit that adds one of them (never adopted), so the group has n+1 members after it;
//   - commit_remove, commit_update: leaf 0 builds a commit removing the last leaf / an empty
//     commit with an UpdatePath (never adopted);
//   - process_commit: iters Update commits of leaf 0 are built and adopted one after the other
//     beforehand; each iteration is the last leaf processing the next one;
//   - join: iters joiners each get the Welcome of an (unadopted) Add commit; each iteration is
//     one joiner entering the group of n members;
//   - protect, unprotect: 100-byte payloads, protected by leaf 0 and unprotected by the last leaf;
//     unprotect starts a fresh epoch first, so its iterations read generations 0, 1, 2, …;
//   - export: leaf 0 derives 32 bytes.
//
// Commits are never adopted between iterations, except for process_commit, whose commits must
// follow one another, and the fresh epoch before unprotect; the epoch advances only there.
func (f *Fixture) Prepare(op mls.Op, n, iters int) (Run, error) {
	if iters < 1 {
		return nil, fmt.Errorf("calib: %d iterations", iters)
	}
	var g *group
	if op != mls.OpKeyPackage && op != mls.OpCreateGroup {
		var err error
		if g, err = f.group(n); err != nil {
			return nil, fmt.Errorf("calib: group of %d: %w", n, err)
		}
	}
	switch op {
	case mls.OpKeyPackage:
		c, err := f.client()
		if err != nil {
			return nil, err
		}
		return func(int) (int, error) {
			kp, err := c.KeyPackage()
			return len(kp), err
		}, nil

	case mls.OpCreateGroup:
		c, err := f.client()
		if err != nil {
			return nil, err
		}
		id := []byte("a new group")
		return func(int) (int, error) {
			_, err := c.CreateGroup(id)
			return -1, err
		}, nil

	case mls.OpCommitAdd:
		kps := make([][]byte, iters)
		for i := range kps {
			var err error
			if kps[i], err = f.keyPackage(); err != nil {
				return nil, err
			}
		}
		return func(i int) (int, error) {
			p, err := g.first.Add(kps[i : i+1])
			if err != nil {
				return 0, err
			}
			return p.Size(), nil
		}, nil

	case mls.OpCommitRemove:
		return func(int) (int, error) {
			p, err := g.first.Remove([]int{n - 1})
			if err != nil {
				return 0, err
			}
			return p.Size(), nil
		}, nil

	case mls.OpCommitUpdate:
		return func(int) (int, error) {
			p, err := g.first.Update()
			if err != nil {
				return 0, err
			}
			return p.Size(), nil
		}, nil

	case mls.OpProcessCommit:
		commits := make([][][]byte, iters)
		for i := range commits {
			p, err := g.first.Update()
			if err != nil {
				return nil, err
			}
			if err := g.first.Adopt(p); err != nil {
				return nil, err
			}
			commits[i] = p.Handshake
		}
		return func(i int) (int, error) {
			size := 0
			for _, m := range commits[i] {
				size += len(m)
			}
			return size, g.last.Process(commits[i])
		}, nil

	case mls.OpJoin:
		welcomes := make([][]byte, iters)
		joiners := make([]mls.Client, iters)
		for i := range welcomes {
			c, err := f.client()
			if err != nil {
				return nil, err
			}
			kp, err := c.KeyPackage()
			if err != nil {
				return nil, err
			}
			p, err := g.first.Add([][]byte{kp})
			if err != nil {
				return nil, err
			}
			joiners[i], welcomes[i] = c, p.Welcome
		}
		return func(i int) (int, error) {
			_, err := joiners[i].Join(welcomes[i])
			return len(welcomes[i]), err
		}, nil

	case mls.OpProtect:
		return func(int) (int, error) {
			ct, err := g.first.Protect(payload)
			return len(ct), err
		}, nil

	case mls.OpUnprotect:
		// A receiver refuses to skip more than a window of generations (RFC 9420 §9.3 leaves
		// the bound to the implementation; ours keeps 1,024), and leaf 0 has protected many
		// messages the last leaf never saw (the protect measurements). A fresh epoch restarts
		// every sender's generations, so the timed unprotects are of consecutive generations
		// 0, 1, 2, … as in a conversation.
		if err := f.freshEpoch(g); err != nil {
			return nil, err
		}
		cts := make([][]byte, iters)
		for i := range cts {
			var err error
			if cts[i], err = g.first.Protect(payload); err != nil {
				return nil, err
			}
		}
		return func(i int) (int, error) {
			_, err := g.last.Unprotect(cts[i])
			return len(cts[i]), err
		}, nil

	case mls.OpExport:
		return func(int) (int, error) {
			_, err := g.first.Export("bench", nil, 32)
			return -1, err
		}, nil
	}
	return nil, fmt.Errorf("calib: no measurement for op %q", op)
}
