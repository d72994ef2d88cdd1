package world

import (
	"reflect"
	"testing"

	"github.com/mimisim/mimisim/models/cost"
	"github.com/mimisim/mimisim/models/mls/engines"
	rfc9420 "github.com/mimisim/mimisim/models/mls/rfc9420/engine"
	"github.com/mimisim/mimisim/scenarios"
)

// bigroom loads the embedded bigroom scenario resized to members.
func bigroom(t *testing.T, members int) *scenarios.Scenario {
	t.Helper()
	sc, _, err := scenarios.LoadEmbedded("bigroom", limits())
	if err != nil {
		t.Fatal(err)
	}
	sc.Room.Members = members
	sc.Room.Placement = scenarios.RoundRobin(members, len(sc.Providers))
	return sc
}

func runBigroom(t *testing.T, sc *scenarios.Scenario) (*Result, *rfc9420.Engine) {
	t.Helper()
	e, err := engines.Lookup("rfc9420")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(sc, Options{Engine: e, Cost: cost.Zero{}})
	if err != nil {
		t.Fatal(err)
	}
	return res, e.(*rfc9420.Engine)
}

// TestBigroomSmall runs the bigroom scenario with 2,000 members: one commit processed by every
// other member, each decrypting its own path secret on the shared tree, then 100 messages each
// decrypted by every other member.
func TestBigroomSmall(t *testing.T) {
	const n = 2000
	sc := bigroom(t, n)
	res, e := runBigroom(t, sc)
	msgs := sc.Workload.Messages
	if res.Sent != msgs || res.Accepted != msgs || res.Deliveries != msgs*(n-1) {
		t.Fatalf("sent %d, accepted %d, %d deliveries; want %d, %d, %d", res.Sent, res.Accepted, res.Deliveries, msgs, msgs, msgs*(n-1))
	}
	perMember := map[string]int{}
	for _, o := range res.Observations.All() {
		if o.Metric == MetricDelivery {
			perMember[o.Target]++
		}
	}
	senders := map[string]bool{}
	for _, m := range res.World.Ledger.Messages() {
		senders[m.Sender] = true
	}
	if len(senders) != sc.Workload.Senders {
		t.Errorf("%d distinct senders, want %d", len(senders), sc.Workload.Senders)
	}
	for _, c := range res.World.Clients {
		want := msgs
		if senders[c.ID()] {
			want = msgs - msgs/sc.Workload.Senders // a sender does not receive its own
		}
		if got := perMember[c.ID()]; got != want {
			t.Fatalf("%s decrypted %d messages, want %d", c.ID(), got, want)
		}
		if c.Epoch() != 2 {
			t.Fatalf("%s is at epoch %d, want 2 (the Add, then the scripted commit)", c.ID(), c.Epoch())
		}
	}
	st := e.Share().Stats()
	// The scripted commit: one public merge, n-2 members reuse it, every one of the n-1
	// receivers decrypts its own path secret.
	if st.CommitsMerged != 1 || st.CommitsReused != n-2 || st.PathsDecrypted != n-1 {
		t.Errorf("commit sharing: %+v; want 1 merged, %d reused, %d paths decrypted", st, n-2, n-1)
	}
	if st.TreesValidated != 1 || st.TreesReused != n-2 {
		t.Errorf("welcome sharing: %+v; want 1 tree validated, %d reused", st, n-2)
	}
	if sigs, commits, trees := e.Share().Entries(); commits != 0 || trees != 0 || sigs != 0 {
		t.Errorf("share entries left after every member used them: %d signatures, %d commits, %d trees", sigs, commits, trees)
	}
}

// TestBigroomDeterministic: the same seed gives the same observations, sharing or not.
func TestBigroomDeterministic(t *testing.T) {
	a, _ := runBigroom(t, bigroom(t, 120))
	b, _ := runBigroom(t, bigroom(t, 120))
	if !reflect.DeepEqual(a.Observations.Slice(), b.Observations.Slice()) || a.Events != b.Events || a.SetupTime != b.SetupTime {
		t.Fatal("two runs of the same seed differ")
	}
}
