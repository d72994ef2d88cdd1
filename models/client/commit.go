package client

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/sim"
)

// Commit policies: what a client does after the hub refused its commit with wrongEpoch.
const (
	// PolicyImmediate rebuilds and resubmits as soon as the client has processed the commit that
	// won.
	PolicyImmediate = "immediate"
	// PolicyBackoff waits a uniformly drawn time in [0, min(Max, Base·2^(k−1))] after the k-th
	// refusal (full-jitter exponential backoff), then rebuilds once it has caught up.
	PolicyBackoff = "backoff"
	// PolicyRandomDelay waits a uniformly drawn time in [Min, Max] before every attempt, the
	// first one included: the room policy's random_delay pending-proposal policy of
	// draft-ietf-mimi-room-policy, applied by each member to its own commit.
	PolicyRandomDelay = "random_delay"
)

// CommitPolicies lists the policies.
var CommitPolicies = []string{PolicyImmediate, PolicyBackoff, PolicyRandomDelay, PolicyDesignated, PolicyProposalDelay}

// CommitPolicy configures how a client gets a commit accepted.
type CommitPolicy struct {
	Kind      string
	Base, Max time.Duration // backoff
	Min       time.Duration // random_delay: [Min, Max]
	// MaxAttempts gives up after this many refusals (0: never).
	MaxAttempts int
}

// Validate checks a policy.
func (p CommitPolicy) Validate() error {
	switch p.Kind {
	case PolicyImmediate:
	case PolicyBackoff:
		if p.Base <= 0 || p.Max < p.Base {
			return fmt.Errorf("commit policy backoff: need 0 < base ≤ max, got base %v, max %v", p.Base, p.Max)
		}
	case PolicyRandomDelay, PolicyProposalDelay:
		if p.Min < 0 || p.Max < p.Min {
			return fmt.Errorf("commit policy %s: need 0 ≤ min ≤ max, got min %v, max %v", p.Kind, p.Min, p.Max)
		}
	case PolicyDesignated:
	default:
		return fmt.Errorf("unknown commit policy %q; allowed: %s", p.Kind, strings.Join(CommitPolicies, ", "))
	}
	if p.MaxAttempts < 0 {
		return fmt.Errorf("commit policy: max attempts must not be negative")
	}
	return nil
}

// CommitOutcome reports one wish to commit, from WantCommit to acceptance (or giving up).
type CommitOutcome struct {
	Start, End sim.Time
	Attempts   int           // commits submitted
	Accepted   bool          // false: gave up after MaxAttempts refusals
	Wasted     time.Duration // CPU spent building commits the hub refused
}

// wish is a commit the client wants accepted.
type wish struct {
	policy    CommitPolicy
	rng       *rand.Rand
	start     sim.Time
	attempts  int
	wasted    time.Duration
	lastCost  time.Duration
	waitEpoch uint64 // retry once the client has reached this epoch
	armed     bool   // the policy's wait is over
	submitted *mls.Pending

	// proposal policies: the wish's current proposal and its epoch (proposals.go)
	proposal      []byte
	proposalEpoch uint64
}

// WantCommit makes the client want an empty commit with path accepted, retrying after
// wrongEpoch according to policy, with delays drawn from rng. A client that already wants a
// commit ignores a second wish (it is satisfied by the first). Modelled members never commit.
func (c *Client) WantCommit(policy CommitPolicy, rng *rand.Rand) {
	if c.wish != nil || c.cfg.Modelled || c.member == nil {
		return
	}
	if r := c.role; r != nil && r.designated {
		// The designated committer does not propose: its own commit (of whatever proposals it
		// holds) refreshes its leaf.
		policy = CommitPolicy{Kind: PolicyImmediate, MaxAttempts: policy.MaxAttempts}
	}
	c.wish = &wish{policy: policy, rng: rng, start: c.k.Now(), waitEpoch: c.Epoch()}
	if isProposalPolicy(policy.Kind) {
		c.propose()
		return
	}
	c.wait(policy.Kind == PolicyRandomDelay)
}

// wait arms the wish after the policy's delay (or at once).
func (c *Client) wait(delay bool) {
	w := c.wish
	var d time.Duration
	switch {
	case w.policy.Kind == PolicyRandomDelay && delay:
		d = w.policy.Min + time.Duration(w.rng.Int64N(int64(w.policy.Max-w.policy.Min)+1))
	case w.policy.Kind == PolicyBackoff && w.attempts > 0:
		ceiling := w.policy.Base << min(w.attempts-1, 30)
		if ceiling > w.policy.Max || ceiling <= 0 {
			ceiling = w.policy.Max
		}
		d = time.Duration(w.rng.Int64N(int64(ceiling) + 1))
	}
	if d == 0 {
		w.armed = true
		c.tryCommit()
		return
	}
	c.at(c.k.Now().Add(d), func() {
		if c.wish == w {
			w.armed = true
			c.tryCommit()
		}
	})
}

// tryCommit submits the wished commit if the policy's wait is over, the client has caught up
// with the epoch the hub reported, and no commit is in flight.
func (c *Client) tryCommit() {
	c.tryProposalCommit()
	w := c.wish
	if w == nil || isProposalPolicy(w.policy.Kind) {
		c.propose()
		return
	}
	if !w.armed || c.pending != nil || c.invite != nil || c.Epoch() < w.waitEpoch {
		return
	}
	var p *mls.Pending
	var err error
	if held := c.heldNow(); len(held) > 0 {
		c.fence()
		p, err = c.member.CommitProposals(held) // the designated committer: others' proposals too
	} else {
		c.fence()
		p, err = c.member.Update()
	}
	if err != nil {
		c.rec.Fail(c, fmt.Errorf("commit attempt %d: %w", w.attempts+1, err))
		c.wish = nil
		return
	}
	w.attempts++
	w.armed = false
	before := c.cpuBusy
	w.submitted = p
	c.submitCommit(p, nil, nil)
	w.lastCost = c.cpuBusy - before
}

// commitAnswered is called with the hub's answer to the wished commit.
func (c *Client) commitAnswered(p *mls.Pending, code mimi.Code, hubEpoch uint64) {
	w := c.wish
	if w == nil || isProposalPolicy(w.policy.Kind) || p == nil || w.submitted != p {
		return // not the wished commit (the set-up's, a churn commit, a commit of others' proposals), or a proposal wish (proposalCommitted settles it)
	}
	if code == mimi.CodeSuccess {
		c.wish = nil
		c.rec.Committed(c, CommitOutcome{Start: w.start, End: c.k.Now(), Attempts: w.attempts, Accepted: true, Wasted: w.wasted})
		return
	}
	w.wasted += w.lastCost
	if code != mimi.CodeWrongEpoch || (w.policy.MaxAttempts > 0 && w.attempts >= w.policy.MaxAttempts) {
		c.wish = nil
		c.rec.Committed(c, CommitOutcome{Start: w.start, End: c.k.Now(), Attempts: w.attempts, Wasted: w.wasted})
		return
	}
	w.waitEpoch = hubEpoch
	c.wait(true)
}
