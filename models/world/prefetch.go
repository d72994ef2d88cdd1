package world

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/mimisim/mimisim/models/client"
	"github.com/mimisim/mimisim/models/mimi"
	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/scenarios"
)

// Parallel prefetch of member work.
//
// The kernel is single-threaded, and in a large room nearly all of a run's CPU is the members'
// own work: decrypting every message and processing every commit. When the hub accepts a
// message or a commit, the world has every recipient that may do so process it at once
// (client.Client.Prefetch), spread over Options.Workers goroutines, and the deliveries later
// take the prefetched results. A client whose member is ahead by prefetched commits reports
// the epoch it has applied (client.Client.Epoch). The
// results are the same as without prefetch, byte for byte, whatever the number of workers:
//
//   - only engines that declare mls.ConcurrentMembers take part (members never share
//     unguarded state, and a shared memo's miss is computed under its lock, so its counters do
//     not depend on scheduling);
//   - only scenarios whose members act in a fixed script take part (workload kind script, no
//     faults, hostile follower, churn, offline members, calls, attachments or commit contention,
//     and not time mode measured, which times each real call). Members that never act on their
//     own prefetch everything; the script's senders and committers (actors) only others'
//     application messages, queued (below), never commits;
//   - a recipient prefetches only when every event the hub accepted for it earlier has been
//     applied or prefetched, and it is a member of the message's epoch with nothing held back
//     (client.Client.CanPrefetch), so its member performs its operations in the same order —
//     except that an actor's decryptions of others' messages may run before its own encryptions
//     of the same epoch, which commute with them (mls.ConcurrentMembers);
//   - each worker touches one client at a time. A batch with a commit in it is processed at
//     once: the kernel waits for it. A batch of application messages only is queued, actors
//     first: the kernel goes on while workers decrypt (overlap). Queued batches run one after
//     the other. The kernel waits for every queued batch (drain) before the next batch with a
//     commit, before any member is used on the kernel's thread for anything but encrypting (the
//     clients' fence: decryptions not prefetched, commits, joins), and at the end of the run.
//     It waits only for the batches up to a given decryption (waitFor) when a delivery needs
//     that result and before an actor encrypts (its own queued decryptions must be done: the
//     member is used by one goroutine at a time); encrypting touches only the member's own
//     state, so other members' decryptions run on meanwhile. So the engine sees the same
//     operations on what members share in the same order as when the kernel waits for each
//     batch; meanwhile the kernel's thread reads only a member's epoch and group size (allowed
//     by mls.ConcurrentMembers).
//
// The counts of prefetched and sequential decryptions go into the manifest's notes; they depend
// on the scenario only.
type prefetcher struct {
	w       *World
	workers int
	on      bool
	skip    map[*client.Client]bool
	// pending holds, by client index, the events the hub accepted for the client (in the hub's
	// order) that it had neither applied nor prefetched when last looked at.
	pending [][]*mimi.Event
	batch   []int
	actors  []int  // the actors among a message's recipients that may have it queued
	done    uint64 // member operations made ahead of delivery
	commits uint64 // of which commits processed
	joins   uint64 // joins made ahead of their Welcome's delivery
	// wait: the kernel waits for every batch (no overlap; Options.PrefetchWait); queued: the
	// batches of messages queued and not yet known done, oldest first.
	wait    bool
	queued  []*job
	batches uint64 // batches queued (for tests)
	// actorsQueued counts the actors' decryptions queued (for tests)
	actorsQueued uint64
}

// job is one queued batch: run(0) … run(n-1) on background goroutines, once the batch before it
// is done; the kernel helps when it waits for it.
type job struct {
	n    int
	run  func(int)
	next atomic.Int64
	left atomic.Int64
	done chan struct{}
}

// work runs the job's calls not yet taken until none is left.
func (j *job) work() {
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.n {
			return
		}
		j.run(i)
		if j.left.Add(-1) == 0 {
			close(j.done)
		}
	}
}

// newPrefetcher returns the world's prefetcher; it is on when the engine and the scenario allow it.
func newPrefetcher(w *World) *prefetcher {
	p := &prefetcher{w: w, workers: w.opts.Workers}
	if p.workers <= 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	p.on = !w.opts.NoPrefetch && prefetchable(w.sc, w.opts)
	p.wait = w.opts.PrefetchWait
	if p.on {
		p.pending = make([][]*mimi.Event, len(w.Clients))
		if !p.wait {
			for _, c := range w.Clients {
				c.SetFence(p.drain)
				c.SetSlotWait(p.waitFor)
			}
		}
	}
	return p
}

// drain waits, on the kernel's thread, until every queued batch is done, helping with each.
func (p *prefetcher) drain() {
	for _, j := range p.queued {
		j.work()
		<-j.done
	}
	clear(p.queued)
	p.queued = p.queued[:0]
}

// waitFor waits, on the kernel's thread, until the queued decryption s is done, helping with
// the queued batches, oldest first (a batch starts only after the one before it is done).
// Unlike drain it leaves the batches after s's running: the kernel goes on while they do.
func (p *prefetcher) waitFor(s *client.PrefetchSlot) {
	for len(p.queued) > 0 && !s.Done() {
		j := p.queued[0]
		j.work()
		<-j.done
		p.queued[0] = nil
		p.queued = p.queued[1:]
	}
}

// queue hands the batch (application messages only) to background goroutines and returns.
func (p *prefetcher) queue() {
	n := 0
	for _, i := range p.batch {
		n += len(p.pending[i])
	}
	// Per recipient: its events and slots, and (without pointers) its client and where its
	// events end; a batch of a message to 100,000 members takes 40 bytes per recipient.
	evs := make([]*mimi.Event, 0, n)
	slots := make([]client.PrefetchSlot, n)
	type part struct{ client, end int32 }
	parts := make([]part, len(p.batch))
	for b, i := range p.batch {
		from := len(evs)
		evs = append(evs, p.pending[i]...)
		p.w.Clients[i].QueuePrefetch(evs[from:], slots[from:len(evs)])
		parts[b] = part{int32(i), int32(len(evs))}
		p.pending[i] = p.pending[i][:0]
	}
	view := p.w.Ledger.View()
	clients := p.w.Clients // read by the workers: entries are never changed, only appended
	j := &job{n: len(parts), done: make(chan struct{}), run: func(b int) {
		from, to := int32(0), parts[b].end
		if b > 0 {
			from = parts[b-1].end
		}
		clients[parts[b].client].RunPrefetch(evs[from:to], slots[from:to], view)
	}}
	j.left.Store(int64(j.n))
	// Forget batches known done; the new one starts after the newest still queued.
	for len(p.queued) > 0 && isClosed(p.queued[0].done) {
		p.queued[0] = nil
		p.queued = p.queued[1:]
	}
	var prev *job
	if len(p.queued) > 0 {
		prev = p.queued[len(p.queued)-1]
	}
	p.queued = append(p.queued, j)
	p.batches++
	for range max(1, p.workers-1) { // the kernel's thread is the other worker, when it waits
		go func() {
			if prev != nil {
				<-prev.done
			}
			j.work()
		}()
	}
}

// isClosed reports whether ch is closed, without blocking.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// othersMessages reports whether evs are all application messages sent by others than c: an
// actor's decryptions of those may be queued, since they commute with its own encryptions
// (mls.ConcurrentMembers), which wait for them (client.Client.fenceOwn).
func othersMessages(c *client.Client, evs []*mimi.Event) bool {
	for _, ev := range evs {
		if ev.Kind != mimi.EventMessage || ev.Sender == c.ID() {
			return false
		}
	}
	return true
}

// prefetchable reports whether the scenario and options allow prefetch (see above).
func prefetchable(sc *scenarios.Scenario, o Options) bool {
	cm, ok := o.Engine.(mls.ConcurrentMembers)
	if !ok || !cm.ConcurrentMembers() {
		return false
	}
	if _, measured := o.Cost.(client.MeasuredCost); measured {
		return false
	}
	return sc.Workload.Kind == scenarios.WorkloadScript && sc.Faults == nil && o.Hostile == nil &&
		o.Churn == nil && o.Offline == nil && o.Call == nil && o.Attachments == nil && o.Commits == nil
}

// start marks the clients that act on their own (the script's senders, who also commit).
func (p *prefetcher) start(actors []*client.Client) {
	p.skip = make(map[*client.Client]bool, len(actors))
	for _, c := range actors {
		p.skip[c] = true
	}
}

// largeLimit: messages this large travel by reference and may be decoded once for many members
// (the rfc9420 engine's shared large messages); they are not prefetched.
const largeLimit = 64 << 10

// accepted is called for every event the hub accepts, after the invariant checks saw it; rcpt
// are the recipients' client indices when the checks resolved them (a message), else nil.
func (p *prefetcher) accepted(a mimi.Accepted, rcpt []int32) {
	if !p.on || a.Room != RoomID {
		return
	}
	if a.Welcome != nil {
		p.joinAhead(a.Welcome, a.Adds)
	}
	ev := &a.Event // a copy of the hub's event, kept by the pending lists
	if len(ev.Payload) >= largeLimit {
		ev.Kind = 0 // never prefetched (CanPrefetch wants a message), still ordered
	}
	if rcpt == nil {
		rcpt = p.w.checks.recipients(a.Recipients)
	}
	p.batch = p.batch[:0]
	for _, i := range rcpt {
		c := p.w.Clients[i]
		// Drop what the client has applied since; add ev.
		q, covered := p.pending[i], c.Covered()
		n := 0
		for n < len(q) && q[n].Seq <= covered {
			n++
		}
		if n > 0 {
			q = append(q[:0], q[n:]...)
		}
		q = append(q, ev)
		p.pending[i] = q
		switch {
		case p.skip == nil:
		case !p.skip[c]:
			if c.CanPrefetch(q) {
				p.batch = append(p.batch, int(i))
			}
		case !p.wait && othersMessages(c, q) && c.CanPrefetch(q):
			p.actors = append(p.actors, int(i))
		}
	}
	commits := 0
	for _, i := range p.batch {
		for _, e := range p.pending[i] {
			if e.Kind == mimi.EventCommit {
				commits++
			}
		}
	}
	commit := commits > 0
	if !p.wait && !commit && len(p.actors) > 0 {
		// The actors' decryptions go first: an actor waits for its own before it encrypts.
		for _, i := range p.actors {
			p.actorsQueued += uint64(len(p.pending[i]))
		}
		merged := make([]int, 0, len(p.actors)+len(p.batch))
		p.batch = append(append(merged, p.actors...), p.batch...)
	}
	p.actors = p.actors[:0]
	if len(p.batch) == 0 {
		return
	}
	for _, i := range p.batch {
		p.done += uint64(len(p.pending[i]))
	}
	p.commits += uint64(commits) // the actors, merged in only without a commit, add none
	if !p.wait && !commit {
		p.queue()
		return
	}
	p.drain()
	parallelFor(len(p.batch), p.workers, func(j int) {
		i := p.batch[j]
		p.w.Clients[i].Prefetch(p.pending[i])
		p.pending[i] = p.pending[i][:0]
	})
}

// joinAhead has every joiner of an accepted Welcome w (to adds) that may do so join at once, on the
// workers, from its own part of the Welcome (cut as its provider will cut it for delivery:
// mls.WelcomeSplitter with the KeyPackage the provider handed out); the Welcome's delivery then
// takes the member (client.Client.PrefetchJoin). A join is a client's first member operation,
// and the kernel waits for all of them.
func (p *prefetcher) joinAhead(w *mimi.Event, adds []string) {
	sp, ok := p.w.opts.Engine.(mls.WelcomeSplitter)
	if !ok {
		return
	}
	rcpt := p.w.checks.recipients(adds)
	byName := make(map[string]*mimi.Provider, len(p.w.Providers))
	for _, prov := range p.w.Providers {
		byName[prov.Name()] = prov
	}
	type join struct {
		c  *client.Client
		kp []byte
	}
	var joins []join
	for _, i := range rcpt {
		c := p.w.Clients[i]
		if !c.CanPrefetchJoin() {
			continue
		}
		if kp, ok := byName[p.w.homeOf[c.ID()]].HandedOut(c.ID()); ok {
			joins = append(joins, join{c, kp})
		}
	}
	if len(joins) == 0 {
		return
	}
	p.drain()
	welcome, seq := w.Payload, w.Seq
	var made atomic.Uint64
	parallelFor(len(joins), p.workers, func(j int) {
		part, err := sp.SplitWelcome(welcome, joins[j].kp)
		if err != nil {
			return // not prefetched: the delivery joins (and reports) as without prefetch
		}
		joins[j].c.PrefetchJoin(seq, part)
		made.Add(1)
	})
	p.joins += made.Load() // the joins made ahead, not those tried
}

// note describes the prefetch for the manifest (empty when it was off).
func (p *prefetcher) note() string {
	if !p.on {
		return ""
	}
	return fmt.Sprintf("member work prefetched: %d message deliveries, %d commit deliveries and %d joins were processed by their recipients' "+
		"members when the hub accepted the event, on parallel workers, instead of on arrival (the same member operations in the "+
		"same order per member, apart from senders' decryptions of others' messages run before their own encryptions, which "+
		"commute; results are identical with any number of workers and without prefetch; models/world/prefetch.go)",
		p.done-p.commits, p.commits, p.joins)
}

// parallelFor calls f(0) … f(n-1) on up to workers goroutines and returns when all are done.
// The calls must be independent of each other.
func parallelFor(n, workers int, f func(int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				f(i)
			}
		}()
	}
	wg.Wait()
}

// PrefetchNote describes the run's prefetch of member decryption for the manifest's notes
// (empty when it was off).
func (w *World) PrefetchNote() string { return w.prefetch.note() }
