package client

import (
	"bytes"
	"fmt"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
)

// Busy reports whether the client has a commit in flight or on its way (its own, a wished
// one, or an add waiting for a KeyPackage): it should not be asked to commit now.
func (c *Client) Busy() bool {
	return c.pending != nil || c.wish != nil || c.invite != nil || c.commitFor != ""
}

// Leaving reports whether the client has proposed to leave and the proposal is pending.
func (c *Client) Leaving() bool { return c.leaving }

// Leave proposes the client's own removal: a Remove proposal of its leaf, sent to the hub,
// which fans it out for another member to commit (CommitProposalOf). Building the proposal is
// not charged: the cost tables do not measure proposals (mls.ProposalOps).
func (c *Client) Leave() error {
	if c.member == nil || c.leaving {
		return fmt.Errorf("client %s cannot propose to leave now", c.cfg.ID)
	}
	c.fence()
	prop, err := c.member.ProposeRemove(c.member.Index())
	if err != nil {
		return fmt.Errorf("propose own removal: %w", err)
	}
	c.leaving = true
	id := c.newReq(&request{kind: mimi.TypeProposeRequest})
	c.sendReq(id, &mimi.ProposeRequest{ReqID: id, Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: c.member.Epoch(),
		Removes: []string{c.cfg.ID}, Proposal: prop})
	return nil
}

// CommitProposalOf makes the client commit sender's proposal of the given epoch once it has
// received it and has no other commit in flight. The wish lapses when the client moves past
// that epoch first (another commit won).
func (c *Client) CommitProposalOf(sender string, epoch uint64) error {
	if c.member == nil || c.Busy() {
		return fmt.Errorf("client %s cannot commit now", c.cfg.ID)
	}
	c.commitFor, c.commitInEp = sender, epoch
	c.tryCommit()
	return nil
}

// tryProposalCommit commits the proposal the client was asked to commit, when it can. The
// commit is charged as a Remove commit (mls.OpCommitRemove): the cost tables have no
// commit_proposals, and the work (a commit with path that removes one leaf, plus one proposal
// signature to verify) is that of a Remove commit but for that signature.
func (c *Client) tryProposalCommit() {
	if c.member != nil {
		keep := c.proposals[:0]
		for _, p := range c.proposals {
			if p.Epoch >= c.Epoch() {
				keep = append(keep, p)
			}
		}
		c.proposals = keep
	}
	if c.commitFor == "" || c.member == nil || c.pending != nil || c.invite != nil {
		return
	}
	if c.Epoch() > c.commitInEp {
		c.commitFor = "" // another commit took the proposal's epoch
		return
	}
	for i, ev := range c.proposals {
		if ev.Sender != c.commitFor || ev.Epoch != c.Epoch() {
			continue
		}
		sender := c.commitFor
		c.commitFor = ""
		c.proposals = append(c.proposals[:i], c.proposals[i+1:]...)
		c.fence()
		p, err := c.member.CommitProposals(ev.Handshake)
		if err != nil {
			c.refuse(ev, RefuseProposal, fmt.Errorf("commit the proposal of %s: %w", sender, err))
			return
		}
		p.Op = mls.OpCommitRemove
		c.submitCommit(p, nil, []string{sender})
		return
	}
}

// Left reports whether a commit removed the client and it has not joined again.
func (c *Client) Left() bool { return c.left }

// FreshKeyPackage returns a new KeyPackage of the client, for its provider to stock so that
// it can be added again after it left.
func (c *Client) FreshKeyPackage() ([]byte, error) {
	if c.engine == nil {
		return nil, fmt.Errorf("client %s: a modelled member has no KeyPackages", c.cfg.ID)
	}
	c.fence()
	return c.engine.KeyPackage()
}

// RemoveMember commits the removal of member id, whose leaf index in the tree is leaf. The
// hub may refuse the commit (wrongEpoch when another commit won); then nothing happens.
func (c *Client) RemoveMember(id string, leaf int) error {
	if c.member == nil || c.Busy() {
		return fmt.Errorf("client %s cannot commit now", c.cfg.ID)
	}
	c.fence()
	p, err := c.member.Remove([]int{leaf})
	if err != nil {
		return fmt.Errorf("remove %s: %w", id, err)
	}
	c.submitCommit(p, nil, []string{id})
	return nil
}

// AddMember claims a KeyPackage of user through keyMaterial and commits its addition with a
// Welcome. The add is dropped when no KeyPackage is left, when the client has meanwhile
// started another commit or left, or when the hub refuses the commit.
func (c *Client) AddMember(user string) error {
	if c.member == nil || c.Busy() {
		return fmt.Errorf("client %s cannot commit now", c.cfg.ID)
	}
	c.invite = &invite{churn: true, users: []string{user}, kps: make(map[string][]byte), left: 1}
	id := c.newReq(&request{kind: mimi.TypeKeyMaterialRequest})
	c.sendReq(id, &mimi.KeyMaterialRequest{ReqID: id, Requester: c.cfg.ID, User: user, Room: c.cfg.Room})
	return nil
}

// leave handles the commit that removed the client: it reports its last state and stops
// being a member (it may be added again later with a new KeyPackage).
func (c *Client) leave(groupSize int) {
	last := c.member
	c.leftEpoch = last.Epoch()
	c.member, c.pending, c.wish, c.invite, c.held, c.proposals = nil, nil, nil, nil, nil, nil
	c.left, c.leaving, c.commitFor = true, false, ""
	done := c.compute(mls.OpProcessCommit, groupSize)
	c.afterCPU(done, completion{f: func() {}})
	c.rec.Left(c, last, c.k.Now())
}

// sameHandshake reports whether two commits have the same handshake messages.
func sameHandshake(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
