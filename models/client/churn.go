package client

import (
	"bytes"
	"fmt"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
)

// Busy reports whether the client has a commit in flight or on its way (its own, a wished
// one, or an add waiting for a KeyPackage): it should not be asked to commit now.
func (c *Client) Busy() bool { return c.pending != nil || c.wish != nil || c.invite != nil }

// Left reports whether a commit removed the client and it has not joined again.
func (c *Client) Left() bool { return c.left }

// FreshKeyPackage returns a new KeyPackage of the client, for its provider to stock so that
// it can be added again after it left.
func (c *Client) FreshKeyPackage() ([]byte, error) {
	if c.engine == nil {
		return nil, fmt.Errorf("client %s: a modelled member has no KeyPackages", c.cfg.ID)
	}
	return c.engine.KeyPackage()
}

// RemoveMember commits the removal of member id, whose leaf index in the tree is leaf. The
// hub may refuse the commit (wrongEpoch when another commit won); then nothing happens.
func (c *Client) RemoveMember(id string, leaf int) error {
	if c.member == nil || c.Busy() {
		return fmt.Errorf("client %s cannot commit now", c.cfg.ID)
	}
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
	c.send(&mimi.KeyMaterialRequest{ReqID: id, Requester: c.cfg.ID, User: user, Room: c.cfg.Room})
	return nil
}

// leave handles the commit that removed the client: it reports its last state and stops
// being a member (it may be added again later with a new KeyPackage).
func (c *Client) leave(groupSize int) {
	last := c.member
	c.leftEpoch = last.Epoch()
	c.member, c.pending, c.wish, c.invite, c.held = nil, nil, nil, nil, nil
	c.left = true
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
