package client

import (
	"fmt"
	"time"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/sim"
)

// Work charges d of CPU time on the client's core, after the work already queued there, and
// then runs f: work that is not an MLS operation, such as sealing or opening an attachment.
func (c *Client) Work(d time.Duration, f func()) {
	start := max(c.k.Now(), c.cpuFree)
	c.cpuFree = start.Add(d)
	c.cpuBusy += d
	c.afterCPU(c.cpuFree, completion{f: f})
}

// SendBody is SendTagged for a message whose plaintext carries body (Ledger.NewBody), such as
// a MIMI content reference to an attachment, and which the user sent at at (≤ now: an
// attachment's upload comes before its message, and latencies count from the user's send). It
// returns the message's ledger id, or -1 if the client cannot send (not joined, offline, or
// modelled: a modelled member has no keys).
func (c *Client) SendBody(body []byte, tag string, at sim.Time) int64 {
	if !c.Joined() || c.offline || c.cfg.Modelled {
		return -1
	}
	s := c.ledger.NewBody(c.cfg.ID, at, body)
	s.Tag = tag
	c.ledger.msgs[s.ID].Tag = tag
	c.fenceOwn() // Protect touches only the member's own state (mls.ConcurrentMembers)
	ct, err := c.member.Protect(s.Plaintext)
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("protect message %d: %w", s.ID, err))
		return -1
	}
	c.ledger.Bind(ct, s.ID) // the run's invariant checks find the message the hub accepted
	done := c.compute(mls.OpProtect, c.groupSize())
	c.afterCPU(done, completion{kind: doneSubmit, sent: s, epoch: c.Epoch(), ct: ct})
	return s.ID
}
