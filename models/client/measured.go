package client

import (
	"time"

	"github.com/mimisim/mimisim/models/mls"
)

// MeasuredCost is implemented by cost models of time_mode "measured" (cost.Wall): they charge
// the wall-clock time the real MLS call took instead of a table's cost.
//
// A client whose cost model is a MeasuredCost wraps its MLS client and member so that every
// real call is timed; compute then charges Charge(op, n, device, elapsed) for the op it is
// asked to charge if that op's call is the last one timed and not yet charged, and the model's
// CPU otherwise (an op that was not executed, as by a modelled member in sampled fidelity). With
// any other model nothing is wrapped and the wall clock is never read, so those runs stay
// deterministic.
type MeasuredCost interface {
	CostModel
	Charge(op mls.Op, groupSize int, device string, elapsed time.Duration) time.Duration
}

// stopwatch holds the wall-clock time of the client's last timed MLS call until compute charges
// it.
type stopwatch struct {
	model   MeasuredCost
	op      mls.Op
	elapsed time.Duration
	ok      bool // op and elapsed are set and not yet charged
}

// time runs f, an MLS call of op, and keeps its wall-clock time.
func (s *stopwatch) time(op mls.Op, f func()) {
	start := time.Now()
	f()
	s.op, s.elapsed, s.ok = op, time.Since(start), true
}

// charge returns the cost of op for the client's core.
func (c *Client) charge(op mls.Op, groupSize int) time.Duration {
	if s := c.watch; s != nil {
		timed := s.ok && s.op == op
		s.ok = false // a time is charged at most once, and only right after its call
		if timed {
			return s.model.Charge(op, groupSize, c.cfg.Device, s.elapsed)
		}
		return s.model.CPU(op, groupSize, c.cfg.Device)
	}
	if m := &c.lastCost; m.ok && m.op == op && m.n == groupSize {
		return m.d // a modelled member charges the same decryption in the same room over and over
	}
	d := c.cost.CPU(op, groupSize, c.cfg.Device)
	c.lastCost = lastCost{op: op, n: groupSize, d: d, ok: true}
	return d
}

// lastCost is the last cost a client asked its CostModel for (see CostModel).
type lastCost struct {
	op mls.Op
	n  int
	d  time.Duration
	ok bool
}

// startWatch installs the stopwatch if the cost model is measured; New calls it.
func (c *Client) startWatch() {
	m, ok := c.cost.(MeasuredCost)
	if !ok {
		return
	}
	c.watch = &stopwatch{model: m}
	if c.engine != nil {
		c.engine = timedClient{Client: c.engine, s: c.watch}
	}
}

// timedClient times the calls of an mls.Client and wraps the members it returns.
type timedClient struct {
	mls.Client
	s *stopwatch
}

func (t timedClient) KeyPackage() (kp []byte, err error) {
	t.s.time(mls.OpKeyPackage, func() { kp, err = t.Client.KeyPackage() })
	return kp, err
}

func (t timedClient) CreateGroup(groupID []byte) (mls.Member, error) {
	var m mls.Member
	var err error
	t.s.time(mls.OpCreateGroup, func() { m, err = t.Client.CreateGroup(groupID) })
	return wrapMember(m, t.s), err
}

func (t timedClient) Join(welcome []byte) (mls.Member, error) {
	var m mls.Member
	var err error
	t.s.time(mls.OpJoin, func() { m, err = t.Client.Join(welcome) })
	return wrapMember(m, t.s), err
}

func wrapMember(m mls.Member, s *stopwatch) mls.Member {
	if m == nil {
		return nil
	}
	return timedMember{Member: m, s: s}
}

// timedMember times the operations of an mls.Member that the cost model charges.
type timedMember struct {
	mls.Member
	s *stopwatch
}

func (t timedMember) pending(op mls.Op, f func() (*mls.Pending, error)) (p *mls.Pending, err error) {
	t.s.time(op, func() { p, err = f() })
	return p, err
}

func (t timedMember) Add(keyPackages [][]byte) (*mls.Pending, error) {
	return t.pending(mls.OpCommitAdd, func() (*mls.Pending, error) { return t.Member.Add(keyPackages) })
}

func (t timedMember) Remove(leaves []int) (*mls.Pending, error) {
	return t.pending(mls.OpCommitRemove, func() (*mls.Pending, error) { return t.Member.Remove(leaves) })
}

func (t timedMember) Update() (*mls.Pending, error) {
	return t.pending(mls.OpCommitUpdate, t.Member.Update)
}

func (t timedMember) Process(handshake [][]byte) (err error) {
	t.s.time(mls.OpProcessCommit, func() { err = t.Member.Process(handshake) })
	return err
}

func (t timedMember) Protect(plaintext []byte) (ct []byte, err error) {
	t.s.time(mls.OpProtect, func() { ct, err = t.Member.Protect(plaintext) })
	return ct, err
}

func (t timedMember) Unprotect(ciphertext []byte) (pt []byte, err error) {
	t.s.time(mls.OpUnprotect, func() { pt, err = t.Member.Unprotect(ciphertext) })
	return pt, err
}

func (t timedMember) Export(label string, context []byte, length int) (out []byte, err error) {
	t.s.time(mls.OpExport, func() { out, err = t.Member.Export(label, context, length) })
	return out, err
}
