package world

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/sim"
)

// ChurnWorkload makes members leave and join while traffic flows. In the measurement window,
// removals come at Poisson times of LeaveRate per second (room-wide): a randomly chosen member
// leaves. With probability SelfLeave it proposes its own removal (a Remove proposal the hub
// fans out) and a randomly chosen other member commits the proposal; otherwise a randomly
// chosen other member commits its Remove. Additions come at Poisson times of
// JoinRate per second: a randomly chosen member claims a fresh KeyPackage of an outsider
// (one of Joiners extra clients that were not in the room at the start or, with Rejoin, a
// member removed earlier) with keyMaterial and commits its Add with a Welcome. Only online real
// members take part; the room's creator is never removed. A churn commit the hub refuses
// (another commit won the epoch) is dropped, not retried.
type ChurnWorkload struct {
	LeaveRate, JoinRate float64
	SelfLeave           float64
	Joiners             int
	Rejoin              bool
}

// Churn metrics, one value per run, group "room".
const (
	MetricChurnRemoved = "churn_removed"     // members removed by churn commits the hub accepted
	MetricChurnAdded   = "churn_added"       // members added by churn commits the hub accepted
	MetricChurnDropped = "churn_dropped"     // churn commits started but not accepted
	MetricChurnSelf    = "churn_self_leaves" // proposals of members to remove themselves the hub accepted
)

// churnRetry is how long an outsider or a leaver stays out of the draw after a churn commit
// concerning it started (the commit may be refused or dropped).
const churnRetry = 5 * time.Second

type churnState struct {
	cfg            ChurnWorkload
	pick           *rand.Rand
	busy           map[string]sim.Time // client → until when it is the subject of a churn commit
	started        int
	removed, added int
	proposals      int
	spares         map[string]bool // clients not in the room at the start
	creator        *client.Client
	providerOf     map[string]*mimi.Provider
}

// startChurn schedules the churn of the measurement window.
func (w *World) startChurn(cw *ChurnWorkload, creator *client.Client) {
	ch := w.churn
	ch.pick = w.K.Stream("churn/pick")
	ch.busy = map[string]sim.Time{}
	ch.creator = creator
	ch.providerOf = map[string]*mimi.Provider{}
	for _, p := range w.Providers {
		ch.providerOf[p.Name()] = p
	}
	poisson := func(name string, rate float64, f func()) {
		if rate <= 0 {
			return
		}
		rng := w.K.Stream(name)
		var tick sim.HandlerFunc
		next := func() {
			gap := time.Duration(rng.ExpFloat64() / rate * 1e9)
			if t := w.K.Now().Add(gap); t < w.measureEnd {
				w.K.Schedule(t, tick, 0, nil)
			}
		}
		tick = func(*sim.Kernel, sim.Event) { f(); next() }
		next()
	}
	poisson("churn/leave", cw.LeaveRate, w.churnLeave)
	poisson("churn/join", cw.JoinRate, w.churnJoin)
}

// free reports whether c may be the subject of a churn commit now.
func (ch *churnState) free(c *client.Client, now sim.Time) bool {
	return ch.busy[c.ID()] <= now
}

func (w *World) members(except *client.Client, committer bool) []*client.Client {
	var out []*client.Client
	now := w.K.Now()
	for _, c := range w.Clients {
		if c == except || c.Modelled() || c.Member() == nil || !c.Online() || !w.churn.free(c, now) {
			continue
		}
		if committer && c.Busy() {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (w *World) churnLeave() {
	ch := w.churn
	leavers := w.members(ch.creator, false)
	if len(leavers) == 0 {
		return
	}
	leaver := leavers[ch.pick.IntN(len(leavers))]
	if ch.cfg.SelfLeave > 0 && ch.pick.Float64() < ch.cfg.SelfLeave {
		if leaver.Leaving() {
			return
		}
		if err := leaver.Leave(); err != nil {
			w.fail(fmt.Errorf("churn: %s leaving: %w", leaver.ID(), err))
			return
		}
		ch.started++
		ch.busy[leaver.ID()] = w.K.Now().Add(churnRetry)
		return
	}
	// The committer names the leaver by its leaf index, which the leaver reports: both must
	// see the same tree, so only members at the leaver's epoch may commit.
	var committers []*client.Client
	for _, c := range w.members(leaver, true) {
		if c.Epoch() == leaver.Epoch() {
			committers = append(committers, c)
		}
	}
	if len(committers) == 0 {
		return
	}
	by := committers[ch.pick.IntN(len(committers))]
	if err := by.RemoveMember(leaver.ID(), leaver.Member().Index()); err != nil {
		w.fail(fmt.Errorf("churn: %s removing %s: %w", by.ID(), leaver.ID(), err))
		return
	}
	ch.started++
	ch.busy[leaver.ID()] = w.K.Now().Add(churnRetry)
}

func (w *World) churnJoin() {
	ch := w.churn
	now := w.K.Now()
	var outsiders []*client.Client
	for _, c := range w.Clients {
		if c.Member() != nil || !c.Online() || !ch.free(c, now) {
			continue
		}
		if ch.spares[c.ID()] && !c.Left() || ch.cfg.Rejoin && c.Left() {
			outsiders = append(outsiders, c)
		}
	}
	if len(outsiders) == 0 {
		return
	}
	joiner := outsiders[ch.pick.IntN(len(outsiders))]
	committers := w.members(nil, true)
	if len(committers) == 0 {
		return
	}
	by := committers[ch.pick.IntN(len(committers))]
	kp, err := joiner.FreshKeyPackage()
	if err != nil {
		w.fail(fmt.Errorf("churn: key package of %s: %w", joiner.ID(), err))
		return
	}
	ch.providerOf[joiner.Home()].StockKeyPackage(joiner.ID(), kp)
	if err := by.AddMember(joiner.ID()); err != nil {
		w.fail(fmt.Errorf("churn: %s adding %s: %w", by.ID(), joiner.ID(), err))
		return
	}
	ch.started++
	ch.busy[joiner.ID()] = now.Add(churnRetry)
}

// churnAccepted counts the hub's accepted churn commits.
func (w *World) churnAccepted(a mimi.Accepted) {
	if w.churn == nil || !w.setupDone || a.Room != RoomID {
		return
	}
	if a.Event.Kind == mimi.EventProposal {
		w.commitProposal(a)
		return
	}
	if a.Event.Kind != mimi.EventCommit {
		return
	}
	w.churn.removed += len(a.Removes)
	w.churn.added += len(a.Adds)
}

// commitProposal picks the member that commits a leaver's proposal the hub accepted.
func (w *World) commitProposal(a mimi.Accepted) {
	ch := w.churn
	ch.proposals++
	var leaver *client.Client
	for _, c := range w.Clients {
		if c.ID() == a.Event.Sender {
			leaver = c
		}
	}
	committers := w.members(leaver, true)
	if len(committers) == 0 {
		return // nobody can commit it now: the proposal lapses, the leaver stays
	}
	by := committers[ch.pick.IntN(len(committers))]
	if err := by.CommitProposalOf(a.Event.Sender, a.Event.Epoch); err != nil {
		w.fail(fmt.Errorf("churn: %s committing the proposal of %s: %w", by.ID(), a.Event.Sender, err))
	}
}

func (w *World) churnObservations() []results.Observation {
	ch := w.churn
	end := int64(w.K.Now())
	done := ch.removed + ch.added
	return []results.Observation{
		{Metric: MetricChurnRemoved, Unit: "members", Group: "room", TimeNs: end, Value: float64(ch.removed)},
		{Metric: MetricChurnAdded, Unit: "members", Group: "room", TimeNs: end, Value: float64(ch.added)},
		{Metric: MetricChurnDropped, Unit: "commits", Group: "room", TimeNs: end, Value: float64(ch.started - done)},
		{Metric: MetricChurnSelf, Unit: "proposals", Group: "room", TimeNs: end, Value: float64(ch.proposals)},
	}
}
