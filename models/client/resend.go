package client

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mls"
)

// Resent returns how many application messages the client sent again after the hub refused
// them with epochTooOld.
func (c *Client) Resent() int { return c.resent }

// flushResends sends again, in their order, the refused messages whose refusing epoch the client
// has reached: the same plaintext (same ledger id, so its latency counts from the user's first
// send) protected anew in the current epoch. A message that is refused again waits again.
func (c *Client) flushResends() {
	if len(c.resends) == 0 || !c.Joined() || c.offline {
		return
	}
	keep := c.resends[:0]
	var ready []resend
	for _, r := range c.resends {
		if c.Epoch() >= r.epoch {
			ready = append(ready, r)
		} else {
			keep = append(keep, r)
		}
	}
	c.resends = keep
	for _, r := range ready {
		s := r.msg
		ct, err := c.protect(s)
		if err != nil {
			c.rec.Fail(c, fmt.Errorf("protect message %d again: %w", s.ID, err))
			return
		}
		c.resent++
		done := c.compute(mls.OpProtect, c.groupSize())
		c.afterCPU(done, completion{kind: doneSubmit, sent: s, epoch: c.Epoch(), ct: ct})
	}
}
