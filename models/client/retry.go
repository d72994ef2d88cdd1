package client

import (
	"math/rand/v2"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/sim"
)

// Retry makes a client survive lost requests and deliveries (provider crashes, broken
// connections): every request is sent again, unchanged and with the same request id, when its
// answer has not come within a timeout that backs off exponentially with jitter; a Retry-After
// answer is honoured; deliveries are acknowledged (mimi.DeliverAck) and duplicates dropped by
// link_seq. Nil in Config.Retry: none of it, and the client sends exactly what it did before.
type Retry struct {
	// Timeout is the wait for the first answer; attempt k waits Timeout·2^k capped at
	// BackoffMax, with equal jitter (a uniform draw in [d/2, d]).
	Timeout, BackoffMax time.Duration
	// Rand draws the jitter (one stream per client).
	Rand *rand.Rand
}

// FaultStats counts a client's recovery work.
type FaultStats struct {
	Retries            uint64        // requests sent again after a timeout
	RetryAfterWaits    uint64        // Retry-After answers honoured
	RetryAfterNs       time.Duration // total time waited on them
	DuplicatesDropped  uint64        // deliveries received again and dropped
	DuplicateResponses uint64        // answers to requests already answered, ignored
}

// Faults returns the client's recovery counters.
func (c *Client) Faults() FaultStats { return c.faults }

// kindReqTimer is the event kind of a request's timer.
const kindReqTimer = kindCPUDone + 1

type reqTimer struct {
	id    uint64
	gen   uint64
	force bool // resend at once: the end of a Retry-After wait
}

// sendReq sends request id and, with Retry, keeps it to send again until answered.
func (c *Client) sendReq(id uint64, m any) {
	c.send(m)
	if c.cfg.Retry == nil {
		return
	}
	r := c.requests[id]
	r.body = m
	c.armReq(id, r, c.backoff(0), false)
}

func (c *Client) armReq(id uint64, r *request, d time.Duration, force bool) {
	r.gen++
	c.k.After(d, c, kindReqTimer, &reqTimer{id: id, gen: r.gen, force: force})
}

func (c *Client) backoff(k int) time.Duration {
	rt := c.cfg.Retry
	d := rt.Timeout << min(k, 30)
	if d > rt.BackoffMax || d <= 0 {
		d = rt.BackoffMax
	}
	return d/2 + time.Duration(rt.Rand.Int64N(int64(d/2)+1))
}

// reqTimeout sends an unanswered request again.
func (c *Client) reqTimeout(t *reqTimer) {
	r, ok := c.requests[t.id]
	if !ok || r.gen != t.gen {
		return
	}
	if !t.force {
		r.attempts++
	}
	if !c.offline {
		c.faults.Retries++
		c.send(r.body)
	}
	c.armReq(t.id, r, c.backoff(r.attempts), false)
}

// retryAfter honours a provider's Retry-After for one of the client's requests.
func (c *Client) retryAfter(m *mimi.RetryAfter) {
	r, ok := c.requests[m.ReqID]
	if !ok {
		c.faults.DuplicateResponses++
		return
	}
	wait := time.Duration(m.RetryAfterNs)
	wait += time.Duration(c.cfg.Retry.Rand.Int64N(int64(wait/10) + 1)) // spread the herd
	c.faults.RetryAfterWaits++
	c.faults.RetryAfterNs += wait
	c.armReq(m.ReqID, r, wait, true)
}

// submit sends an encrypted message to the hub. With Retry, a client has one message in flight
// at a time and queues the others: a retried message must never reach the hub after a later
// one of the same sender, whose generation would then be ahead of it (go-mls cannot decrypt a
// generation below one it has seen in the epoch).
func (c *Client) submit(x completion) {
	if c.cfg.Retry != nil {
		if c.submitting {
			c.submitQ = append(c.submitQ, x)
			return
		}
		c.submitting = true
	}
	id := c.newReq(&request{kind: mimi.TypeSubmitMessageRequest, msg: x.sent})
	c.sendReq(id, &mimi.SubmitMessageRequest{ReqID: id, Room: c.cfg.Room, Sender: c.cfg.ID, Epoch: x.epoch, Message: x.ct})
}

// submitted is called when the message in flight has been answered: the next one goes.
func (c *Client) submitted() {
	if c.cfg.Retry == nil {
		return
	}
	c.submitting = false
	if len(c.submitQ) > 0 {
		x := c.submitQ[0]
		c.submitQ = c.submitQ[1:]
		c.submit(x)
	}
}

// ackDeliveries acknowledges every delivery applied so far.
func (c *Client) ackDeliveries() {
	c.send(&mimi.DeliverAck{LinkSeq: c.inbox.next - 1})
}

// handleReqTimer is Handle for request timers.
func (c *Client) handleReqTimer(ev sim.Event) { c.reqTimeout(ev.Data.(*reqTimer)) }
