package client

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
)

// The proposal policies: a member that wants its leaf refreshed sends an Update proposal
// (mimi.ProposeRequest) instead of a commit, and the hub fans it out; it is satisfied when a
// commit that includes its proposal arrives (or when it commits itself: its commit's path
// refreshes its leaf). A proposal the epoch passed by without including it is sent again in
// the new epoch. Who commits the proposals is what the two policies differ in.
const (
	// PolicyDesignated: one designated member of the room (the world picks the room's
	// creator, leaf 0, a client of the hub's provider) commits every proposal of its epoch as
	// soon as it holds any and has no commit in flight; nobody else commits.
	PolicyDesignated = "designated_committer"
	// PolicyProposalDelay: the hub keeps the proposals of the epoch and fans them out; every
	// real member that holds proposals of its epoch waits a uniformly drawn time in [Min, Max]
	// from the first of them, then commits all it holds (others' proposals; its own is covered
	// by its path) unless the epoch has moved on. The first commit to reach the hub wins; the
	// others are refused with wrongEpoch and dropped. This is the room policy's random_delay
	// pending-proposal policy (draft-ietf-mimi-room-policy) applied to proposals held by the hub.
	PolicyProposalDelay = "proposal_random_delay"
)

// isProposalPolicy reports whether kind makes members propose instead of commit.
func isProposalPolicy(kind string) bool {
	return kind == PolicyDesignated || kind == PolicyProposalDelay
}

// proposalRole is how a member takes part in a proposal policy as a potential committer.
type proposalRole struct {
	policy     CommitPolicy
	designated bool
	rng        *rand.Rand
	epoch      uint64   // the epoch of held
	held       [][]byte // others' proposals of epoch, in the hub's order
	armed      bool     // PolicyProposalDelay: a commit is scheduled for epoch
}

// SetProposalRole makes the client act under a proposal policy: designated (PolicyDesignated)
// makes it the room's committer; under PolicyProposalDelay every real member commits after its
// random delay, drawn from rng.
func (c *Client) SetProposalRole(policy CommitPolicy, designated bool, rng *rand.Rand) {
	if c.cfg.Modelled {
		return
	}
	c.role = &proposalRole{policy: policy, designated: designated, rng: rng}
}

// costOp is the op a cost table is asked for: tables need not cover the proposal ops (see
// mls.ProposalOps), so a proposal is charged as a KeyPackage (a fresh HPKE key pair and a
// signed leaf node, as an Update proposal carries) and a commit of proposals as a commit with
// path (which go-mls requires for Update proposals).
func costOp(op mls.Op) mls.Op {
	switch op {
	case mls.OpPropose:
		return mls.OpKeyPackage
	case mls.OpCommitProposals:
		return mls.OpCommitUpdate
	}
	return op
}

// proposalEvent takes in a proposal the hub fanned out.
func (c *Client) proposalEvent(ev mimi.Event) {
	r := c.role
	if r == nil || c.member == nil || ev.Epoch != c.Epoch() || len(ev.Handshake) != 1 {
		return
	}
	if r.epoch != ev.Epoch {
		r.epoch, r.held, r.armed = ev.Epoch, nil, false
	}
	r.held = append(r.held, ev.Handshake[0])
	c.commitHeld()
}

// heldNow returns the proposals held for the client's current epoch.
func (c *Client) heldNow() [][]byte {
	if r := c.role; r != nil && r.epoch == c.Epoch() {
		return r.held
	}
	return nil
}

// commitHeld commits the held proposals when the policy says so.
func (c *Client) commitHeld() {
	r := c.role
	if r == nil || c.pending != nil || len(c.heldNow()) == 0 {
		return
	}
	switch {
	case r.designated:
		c.commitProposals()
	case r.policy.Kind == PolicyProposalDelay && !r.armed:
		r.armed = true
		epoch := r.epoch
		d := r.policy.Min + time.Duration(r.rng.Int64N(int64(r.policy.Max-r.policy.Min)+1))
		c.at(c.k.Now().Add(d), func() {
			if c.Epoch() == epoch && c.role.epoch == epoch {
				c.role.armed = false
				if c.pending == nil {
					c.commitProposals()
				}
			}
		})
	}
}

// commitProposals builds and submits a commit of the held proposals.
func (c *Client) commitProposals() {
	held := c.heldNow()
	if len(held) == 0 || c.pending != nil {
		return
	}
	c.fence()
	p, err := c.member.CommitProposals(held)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("commit %d proposals: %w", len(held), err))
		return
	}
	c.proposalCommits++
	c.submitCommit(p, nil, nil)
}

// ProposalCommits returns how many commits of proposals the client submitted.
func (c *Client) ProposalCommits() int { return c.proposalCommits }

// propose sends the wish's Update proposal for the current epoch, once caught up with the epoch
// the hub last reported and with no commit of the client's own in flight.
func (c *Client) propose() {
	w := c.wish
	if w == nil || !isProposalPolicy(w.policy.Kind) || c.member == nil || c.pending != nil ||
		c.Epoch() < w.waitEpoch || (w.proposal != nil && w.proposalEpoch == c.Epoch()) {
		return
	}
	if w.proposal != nil {
		w.wasted += w.lastCost // the epoch passed it by
	}
	c.fence()
	prop, err := c.member.ProposeUpdate()
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("propose update: %w", err))
		c.wish = nil
		return
	}
	w.attempts++
	w.proposal, w.proposalEpoch = prop, c.Epoch()
	before := c.cpuBusy
	done := c.compute(mls.OpPropose, c.groupSize())
	w.lastCost = c.cpuBusy - before
	req := &mimi.ProposeRequest{Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: c.Epoch(), Proposal: prop}
	c.afterCPU(done, completion{f: func() {
		req.ReqID = c.newReq(&request{kind: mimi.TypeProposeRequest, update: true})
		c.send(req)
	}})
}

// proposalAnswered handles the hub's answer to a proposal.
func (c *Client) proposalAnswered(code mimi.Code, hubEpoch uint64) {
	w := c.wish
	if w == nil || code == mimi.CodeSuccess {
		return // now wait for a commit that includes it
	}
	if code != mimi.CodeWrongEpoch {
		c.wish = nil
		c.rec.Committed(c, CommitOutcome{Start: w.start, End: c.k.Now(), Attempts: w.attempts, Wasted: w.wasted})
		return
	}
	w.waitEpoch = hubEpoch
	c.propose()
}

// proposalCommitted checks, for a commit the client has just processed or adopted, whether it
// satisfied the client's proposal wish: it includes the client's proposal, or the client built
// it (own is true). Otherwise the wish proposes again in the new epoch.
func (c *Client) proposalCommitted(handshake [][]byte, own bool) {
	w := c.wish
	if w == nil || !isProposalPolicy(w.policy.Kind) {
		return
	}
	included := own
	for _, h := range handshake {
		if w.proposal != nil && bytes.Equal(h, w.proposal) {
			included = true
		}
	}
	if included {
		c.wish = nil
		c.rec.Committed(c, CommitOutcome{Start: w.start, End: c.k.Now(), Attempts: max(w.attempts, 1), Accepted: true, Wasted: w.wasted})
		return
	}
	c.propose()
}
