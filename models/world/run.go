package world

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/results"
	"github.com/mimisim/mimisim/scenarios"
	"github.com/mimisim/mimisim/sim"
)

// Metric names of the observations a run produces.
const (
	MetricDelivery = "delivery_latency" // send → decrypted by one recipient, ms, grouped by the recipient's provider
	MetricAccept   = "accept_latency"   // send → the hub's acceptance reached the sender, ms, grouped by the sender's provider
	MetricJoin     = "join_time"        // run start → member joined from the Welcome, ms, grouped by the member's provider
	MetricEgress   = "provider_egress"  // bytes a provider sent, one observation per provider
	MetricBusy     = "provider_cpu"     // core time a provider used, ms, one observation per provider
	// MetricUtilization is the share of a provider's cores busy during the measurement window
	// (core time used in the window / (cores × duration)), one observation per provider.
	MetricUtilization = "provider_utilization"
	MetricClientCPU   = "client_cpu"   // virtual CPU time a client used, ms, grouped by provider
	MetricStateSize   = "member_state" // a member's state size at the end, bytes, grouped by provider

	// Commit contention (Options.Commits), grouped by the committer's provider unless noted.
	MetricCommitTime     = "commit_time"          // wish → the hub's acceptance reached the committer, ms
	MetricCommitAttempts = "commit_attempts"      // commits submitted per accepted wish
	MetricCommitWasted   = "commit_wasted_cpu"    // CPU spent on refused commits per wish, ms
	MetricCommitSuccess  = "commit_success_ratio" // accepted commits / commits submitted, one value, group "room"
	MetricEpochRate      = "epochs_per_s"         // epochs the hub accepted per second of the window, one value, group "room"
	MetricCommitGaveUp   = "commit_gave_up"       // wishes abandoned after MaxAttempts, one value, group "room"
	// MetricResent counts application messages sent again after an epochTooOld refusal, once
	// their sender had caught up (each resend counts), one value, group "room".
	MetricResent = "messages_resent"
)

// commitTally counts the commit contention of a run.
type commitTally struct {
	attempts, accepted, gaveUp int
	startEpoch                 uint64
}

// Run builds the scenario's world and runs it to the end.
func Run(sc *scenarios.Scenario, opts Options) (*Result, error) {
	w, err := Build(sc, opts)
	if err != nil {
		return nil, err
	}
	return w.Run()
}

// progressEvery is how many events pass between progress callbacks.
const progressEvery = 1 << 14

// Run runs a built world: set-up, measurement window, drain.
func (w *World) Run() (*Result, error) {
	setupLimit, drainLimit := w.opts.SetupLimit, w.opts.DrainLimit
	if setupLimit == 0 {
		setupLimit = 10 * time.Minute
	}
	if drainLimit == 0 {
		drainLimit = 10 * time.Minute
	}
	k := w.K
	creator := w.creator()
	if err := creator.CreateGroup(); err != nil {
		return nil, err
	}
	if err := w.Hub.CreateRoom(RoomID, creator.ID(), creator.Member().Epoch()); err != nil {
		return nil, err
	}
	var others, modelled []string
	for _, c := range w.Clients[:w.initial] {
		switch {
		case c == creator:
		case c.Modelled():
			modelled = append(modelled, c.ID())
		default:
			others = append(others, c.ID())
		}
	}
	creator.InviteSampled(others, modelled)
	w.joined = 1

	// Set-up: until every member has joined.
	w.runUntil(sim.Time(setupLimit), 0, func() bool { return w.joined == w.initial })
	if w.failure != nil {
		return nil, w.failure
	}
	if w.joined != w.initial {
		return nil, fmt.Errorf("set-up did not finish within %v of virtual time: %d of %d members joined",
			setupLimit, w.joined, w.initial)
	}
	setup := k.Now()
	w.setupDone = true
	w.measureEnd = setup.Add(time.Duration(w.sc.Duration))

	if w.opts.SetupDone != nil {
		w.opts.SetupDone()
	}

	// Measurement window: the providers' busy time is taken at its start and end.
	w.busy0 = make([]time.Duration, len(w.Providers))
	w.busy1 = make([]time.Duration, len(w.Providers))
	for i, p := range w.Providers {
		w.busy0[i] = p.Stats().BusyNs
	}
	k.Schedule(w.measureEnd, sim.HandlerFunc(func(*sim.Kernel, sim.Event) {
		for i, p := range w.Providers {
			w.busy1[i] = p.Stats().BusyNs
		}
	}), 0, nil)
	if w.sc.Workload.Kind == scenarios.WorkloadScript {
		if err := w.startScript(&w.sc.Workload); err != nil {
			return nil, err
		}
	} else if w.sc.Workload.Kind == scenarios.WorkloadOps {
		w.startOps()
	} else {
		for _, c := range w.Clients {
			c.StartWorkload(w.sc.Workload.RatePerMember, w.sc.Workload.PayloadBytes, w.measureEnd,
				k.Stream("workload/"+c.ID()))
		}
	}
	if cw := w.opts.Commits; cw != nil {
		if err := w.startCommits(cw); err != nil {
			return nil, err
		}
	}
	if w.call != nil {
		w.startCall()
	}
	if w.attach != nil {
		w.startAttachments()
	}
	if ow := w.opts.Offline; ow != nil {
		if err := w.startOffline(ow); err != nil {
			return nil, err
		}
	}
	if w.hostile != nil {
		w.hostile.on = true
	}
	if cw := w.opts.Churn; cw != nil {
		w.startChurn(cw, creator)
	}
	if err := w.startFaults(setup); err != nil {
		return nil, err
	}
	w.ahead = aheadWindow{on: true, limit: w.measureEnd.Add(drainLimit)}
	w.runUntil(w.ahead.limit, w.measureEnd, nil)
	w.ahead.on = false
	if w.failure != nil {
		return nil, w.failure
	}
	if w.ahead.last > w.K.Now() {
		// The last decryptions ended after the last event: their completion events would
		// have been the run's last.
		w.K.AdvanceTo(w.ahead.last)
	}
	if w.call != nil && !w.call.done {
		return nil, fmt.Errorf("the call (%s, %d participants) was not set up by the end of the run", w.call.cfg.Design, len(w.call.parts))
	}
	return w.result(setup)
}

// runUntil steps the kernel until the next event is due after limit, the queue is empty, done
// reports true, or a client failed.
func (w *World) runUntil(limit, end sim.Time, done func() bool) {
	defer w.prefetch.drain() // nothing is left running in the background
	k := w.K
	for n := 1; w.failure == nil; n++ {
		if done != nil && done() {
			return
		}
		at, ok := k.Next()
		if !ok || at > limit {
			return
		}
		k.Step()
		if n%progressEvery == 0 && w.opts.Progress != nil {
			w.opts.Progress(k.Now(), end)
		}
	}
}

func (w *World) creator() *client.Client {
	for _, c := range w.Clients {
		if w.homeOf[c.ID()] == w.Hub.Name() {
			return c
		}
	}
	return w.Clients[0]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (w *World) result(setup sim.Time) (*Result, error) {
	res := &Result{Events: w.K.Handled(), SetupTime: time.Duration(setup), EndTime: w.K.Now(),
		Sent: len(w.Ledger.Messages()), Accepted: len(w.accepted), Deliveries: w.delivered,
		Members: w.initial, World: w, Limits: w.Limits}
	res.Invariants = w.invariants()
	if f := res.Invariants.Failed(); f != nil {
		return res, &InvariantError{Invariant: *f, Seed: w.sc.Seed}
	}
	if a := w.attach; a != nil && a.done != a.started {
		return nil, fmt.Errorf("%d of %d attachment downloads were opened by the end (virtual %v)", a.done, a.started, w.K.Now())
	}
	for _, c := range w.Clients {
		res.Resent += c.Resent()
	}
	obs := &w.obs
	if w.churn != nil {
		obs.Add(w.churnObservations()...)
	}
	if w.opts.Commits != nil {
		end := int64(w.K.Now())
		ratio := 0.0
		if w.commits.attempts > 0 {
			ratio = float64(w.commits.accepted) / float64(w.commits.attempts)
		}
		epoch, _ := w.Hub.RoomEpoch(RoomID)
		rate := float64(epoch-w.commits.startEpoch) / time.Duration(w.sc.Duration).Seconds()
		obs.Add(
			results.Observation{Metric: MetricCommitSuccess, Unit: "ratio", Group: "room", TimeNs: end, Value: ratio},
			results.Observation{Metric: MetricEpochRate, Unit: "1/s", Group: "room", TimeNs: end, Value: rate},
			results.Observation{Metric: MetricCommitGaveUp, Unit: "wishes", Group: "room", TimeNs: end, Value: float64(w.commits.gaveUp)},
			results.Observation{Metric: MetricResent, Unit: "messages", Group: "room", TimeNs: end, Value: float64(res.Resent)})
	}
	for i, p := range w.Providers {
		st := w.Net.Stats(p.Node())
		pr := ProviderResult{Name: p.Name(), Role: p.Role().String(), Stats: p.Stats(), BytesOut: uint64(st.BytesOut), BytesIn: uint64(st.BytesIn)}
		for _, sp := range w.sc.Providers {
			if sp.Name == p.Name() {
				pr.Region = sp.Region
			}
		}
		for _, c := range w.Clients {
			if w.homeOf[c.ID()] == p.Name() {
				pr.Clients++
			}
		}
		res.Providers = append(res.Providers, pr)
		end := int64(w.K.Now())
		util := 0.0
		if i < len(w.busy1) && w.sc.Duration > 0 {
			util = float64(w.busy1[i]-w.busy0[i]) / float64(time.Duration(w.sc.Duration)*time.Duration(w.sc.Providers[i].Cores))
		}
		obs.Add(
			results.Observation{Metric: MetricUtilization, Unit: "ratio", Group: p.Name(), TimeNs: end, Source: p.Name(), Value: util},
			results.Observation{Metric: MetricEgress, Unit: "bytes", Group: p.Name(), TimeNs: end, Source: p.Name(), Value: float64(st.BytesOut)},
			results.Observation{Metric: MetricBusy, Unit: "ms", Group: p.Name(), TimeNs: end, Source: p.Name(), Value: ms(p.Stats().BusyNs)})
	}
	for _, c := range w.Clients {
		end := int64(w.K.Now())
		obs.Add(results.Observation{Metric: MetricClientCPU, Unit: "ms", Group: w.homeOf[c.ID()], TimeNs: end, Source: c.ID(), Value: ms(c.CPUBusy())})
		if c.Modelled() || c.Member() == nil {
			continue // holds no state (modelled), or not in the group at the end (churn)
		}
		size := c.Member().StateSize()
		res.MaxStateSize = max(res.MaxStateSize, size)
		obs.Add(results.Observation{Metric: MetricStateSize, Unit: "bytes", Group: w.homeOf[c.ID()], TimeNs: end, Source: c.ID(), Value: float64(size)})
	}
	obs.Add(w.faultObservations()...)
	res.Observations = obs
	return res, nil
}

// recorder is the World seen as the clients' Recorder.
type recorder World

func (r *recorder) Joined(c *client.Client, at sim.Time) {
	w := (*World)(r)
	if w.callSession(c) || w.opJoined(c, at) {
		return
	}
	w.joined++
	w.obs.Add(results.Observation{Metric: MetricJoin, Unit: "ms", Group: w.homeOf[c.ID()],
		TimeNs: int64(at), Target: c.ID(), Value: ms(time.Duration(at))})
}

func (r *recorder) Accepted(c *client.Client, id int64, sentAt, at sim.Time) {
	w := (*World)(r)
	w.accepted[id] = at
	w.obs.Add(results.Observation{Metric: MetricAccept, Unit: "ms", Group: w.homeOf[c.ID()],
		TimeNs: int64(at), Source: c.ID(), ID: id, Value: ms(at.Sub(sentAt))})
}

func (r *recorder) Decrypted(c *client.Client, m client.Sent, at sim.Time) {
	w := (*World)(r)
	w.delivered++
	rec, ci := w.checkDecrypted(c, m, at)
	w.addDelivery(c, ci, rec, m, at)
	switch {
	case w.attach != nil && strings.HasPrefix(m.Tag, attachTagPrefix):
		w.attachmentMessage(c, m)
	case m.Tag == opTag:
		if w.op != nil && w.op.name == scenarios.OpMessage {
			w.opReached(at)
		}
	case m.Tag != "":
		w.callMessage(c, m)
	case w.attach != nil:
		w.obs.Add(results.Observation{Metric: MetricPhase, Unit: "ms", Group: PhaseText,
			TimeNs: int64(at), Source: m.Sender, Target: c.ID(), ID: m.ID, Value: ms(at.Sub(m.At))})
	}
}

// aheadWindow is where the recorder takes decryptions ahead (client.AheadRecorder): the
// measurement run up to its limit.
type aheadWindow struct {
	on    bool
	limit sim.Time // the last time runUntil handles
	last  sim.Time // the latest completion taken ahead
}

// DecryptedAhead takes the report of a plain room message (no call, attachment or ops tag,
// whose report starts nothing) during the measurement run, when its decryption ends by the
// run's last handled time: the report only adds the observation and counts the delivery, so
// taking it now gives the run's results of taking it at at (only the order of
// observations.csv's rows differs: they follow the decryptions' start).
func (r *recorder) DecryptedAhead(c *client.Client, m client.Sent, at sim.Time) bool {
	w := (*World)(r)
	if !w.ahead.on || at > w.ahead.limit || m.Tag != "" || w.attach != nil {
		return false
	}
	w.ahead.last = max(w.ahead.last, at)
	r.Decrypted(c, m, at)
	return true
}

func (r *recorder) Epoch(c *client.Client, epoch uint64, at sim.Time) {
	w := (*World)(r)
	w.opEpoch(epoch, at)
	w.callSession(c)
	w.scriptEpoch(c)
}

func (r *recorder) Committed(c *client.Client, o client.CommitOutcome) {
	w := (*World)(r)
	w.commits.attempts += o.Attempts
	g := w.homeOf[c.ID()]
	if !o.Accepted {
		w.commits.gaveUp++
		return
	}
	w.commits.accepted++
	w.scriptCommitted()
	at := int64(o.End)
	w.obs.Add(
		results.Observation{Metric: MetricCommitTime, Unit: "ms", Group: g, TimeNs: at, Source: c.ID(), Value: ms(o.End.Sub(o.Start))},
		results.Observation{Metric: MetricCommitAttempts, Unit: "commits", Group: g, TimeNs: at, Source: c.ID(), Value: float64(o.Attempts)},
		results.Observation{Metric: MetricCommitWasted, Unit: "ms", Group: g, TimeNs: at, Source: c.ID(), Value: ms(o.Wasted)})
}

// startCommits schedules the commit rounds of the measurement window.
func (w *World) startCommits(cw *CommitWorkload) error {
	if err := cw.Policy.Validate(); err != nil {
		return err
	}
	if cw.Rate <= 0 || cw.Committers < 1 {
		return fmt.Errorf("commit workload: need a rate > 0 and at least one committer")
	}
	committers, err := w.inTurn(cw.Committers, "committers")
	if err != nil {
		return fmt.Errorf("commit workload: %w", err)
	}
	w.commits.startEpoch, _ = w.Hub.RoomEpoch(RoomID)
	if cw.Policy.Kind == client.PolicyDesignated || cw.Policy.Kind == client.PolicyProposalDelay {
		if w.churn != nil {
			// Committers of held proposals would commit churn's self-removals too, outside the
			// churn bookkeeping.
			return fmt.Errorf("commit policy %s cannot be combined with churn", cw.Policy.Kind)
		}
		// Every real member takes part as a potential committer; under designated_committer
		// only the room's creator (leaf 0) commits.
		creator := w.creator()
		for _, c := range w.Clients {
			c.SetProposalRole(cw.Policy, c == creator, w.K.Stream("commits/role/"+c.ID()))
		}
	}
	rounds := w.K.Stream("commits/rounds")
	var tick sim.HandlerFunc
	next := func() {
		gap := time.Duration(rounds.ExpFloat64() / cw.Rate * 1e9)
		if t := w.K.Now().Add(gap); t < w.measureEnd {
			w.K.Schedule(t, tick, 0, nil)
		}
	}
	tick = func(*sim.Kernel, sim.Event) {
		for _, c := range committers {
			c.WantCommit(cw.Policy, w.K.Stream("commits/"+c.ID()))
		}
		next()
	}
	next()
	return nil
}

func (r *recorder) Rejected(c *client.Client, req mimi.Type, code mimi.Code, at sim.Time) {
	w := (*World)(r)
	if w.failure == nil && req == mimi.TypeSubmitMessageRequest && code != mimi.CodeEpochTooOld &&
		!(code == mimi.CodeNotAllowed && !slices.Contains(w.Hub.RoomMembers(RoomID), c.ID())) {
		w.failure = fmt.Errorf("at %v the hub rejected a message of %s with %v", at, c.ID(), code)
	}
}

func (r *recorder) Refused(c *client.Client, ev *mimi.Event, kind string, err error) {
	(*World)(r).checkRefused(c, ev, kind)
}

func (r *recorder) Left(c *client.Client, last mls.Member, at sim.Time) {
	w := (*World)(r)
	w.checks.removed = append(w.checks.removed, removedRec{client: w.checks.index[c], last: last, at: at})
}

func (r *recorder) Fail(c *client.Client, err error) {
	w := (*World)(r)
	if w.op != nil && c == w.op.sender {
		w.opFailed(fmt.Errorf("operation %d (%s): %w", w.op.index, w.op.name, err))
		if w.op.limit != nil {
			return
		}
	}
	if w.failure == nil {
		w.failure = fmt.Errorf("at %v client %s: %w", w.K.Now(), c.ID(), err)
	}
	w.K.Stop()
}

// MetricOffline is the time a member spent offline, ms, grouped by its provider.
const MetricOffline = "offline_time"

// startOffline disconnects a share of the members and schedules their return.
func (w *World) startOffline(ow *OfflineWorkload) error {
	if ow.Share < 0 || ow.Share > 1 || ow.Reconnect == nil {
		return fmt.Errorf("offline workload: need a share in [0, 1] and a reconnect distribution")
	}
	order := make([]*client.Client, w.initial) // members at the start, not churn's spare joiners
	copy(order, w.Clients)
	rng := w.K.Stream("offline")
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	n := int(ow.Share*float64(len(order)) + 0.5)
	provider := map[string]*mimi.Provider{}
	for _, p := range w.Providers {
		provider[p.Name()] = p
	}
	for _, c := range order[:n] {
		c := c
		p := provider[w.homeOf[c.ID()]]
		start := w.K.Now()
		c.SetOnline(false)
		p.SetOnline(c.ID(), false)
		back := start.Add(ow.Reconnect.Sample(rng))
		w.K.Schedule(back, sim.HandlerFunc(func(k *sim.Kernel, _ sim.Event) {
			c.SetOnline(true)
			p.SetOnline(c.ID(), true)
			w.obs.Add(results.Observation{Metric: MetricOffline, Unit: "ms", Group: w.homeOf[c.ID()],
				TimeNs: int64(k.Now()), Target: c.ID(), Value: ms(k.Now().Sub(start))})
		}), 0, nil)
	}
	return nil
}

// obsIDs are the observation table's ids of a room client's delivery series and name.
type obsIDs struct {
	series, name uint32
	ok           bool
}

// addDelivery adds the delivery observation of m at c: Add of the Observation, with the ids of
// the series, the recipient (ci, its index among the room's clients; -1 for none) and the
// sender (the message's record rec, when it has one) kept from their first use. The ids are
// asked for in the order Add asks for them, so the table is the same.
func (w *World) addDelivery(c *client.Client, ci int32, rec *msgRec, m client.Sent, at sim.Time) {
	if ci < 0 {
		w.obs.Add(results.Observation{Metric: MetricDelivery, Unit: "ms", Group: c.Home(),
			TimeNs: int64(at), Source: m.Sender, Target: c.ID(), ID: m.ID, Value: ms(at.Sub(m.At))})
		return
	}
	if w.deliveryIDs == nil {
		w.deliveryIDs = make([]obsIDs, len(w.Clients))
	}
	to := &w.deliveryIDs[ci]
	var series uint32
	if to.ok {
		series = to.series
	} else {
		series = w.obs.Series(MetricDelivery, "ms", c.Home())
	}
	var source uint32
	if rec != nil && rec.src != 0 && rec.srcName == m.Sender {
		source = rec.src
	} else {
		source = w.obs.Intern(m.Sender)
		if rec != nil {
			rec.src, rec.srcName = source, m.Sender
		}
	}
	if !to.ok {
		*to = obsIDs{series: series, name: w.obs.Intern(c.ID()), ok: true}
	}
	w.obs.AddIDs(series, source, to.name, int64(at), m.ID, ms(at.Sub(m.At)))
}
