package engine

import (
	"fmt"
	"testing"

	"github.com/mimisim/mimisim/models/mls"
)

// TestExternalFeatures drives the optional interfaces: a group listing a hub in external_senders,
// an external join from a published GroupInfo, and hub Remove and Add proposals committed by
// members.
func TestExternalFeatures(t *testing.T) {
	e, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	var ee mls.Engine = e
	hub, err := ee.(mls.ExternalSenderEngine).NewExternalSender("hub", []byte("seed"))
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]mls.Client{}
	for i := range 7 {
		name := fmt.Sprintf("c%d", i)
		if clients[name], err = e.NewClient(name, []byte("seed")); err != nil {
			t.Fatal(err)
		}
	}
	gid := []byte("hub group")
	creator, err := clients["c0"].(mls.ExternalSenderCreator).CreateGroupWithExternalSenders(gid, []mls.ExternalSender{hub})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, members: map[string]mls.Member{"c0": creator}}
	names := []string{"c1", "c2", "c3", "c4"}
	var joiners []mls.Client
	for _, n := range names {
		joiners = append(joiners, clients[n])
	}
	for i, m := range addAndJoin(t, creator, joiners) {
		w.members[names[i]] = m
	}
	w.check()

	// c5 joins by external commit from c2's GroupInfo.
	gi, err := w.members["c2"].(mls.GroupInfoPublisher).GroupInfo()
	if err != nil {
		t.Fatal(err)
	}
	m5, ext, err := clients["c5"].(mls.ExternalJoiner).JoinExternal(gi)
	if err != nil {
		t.Fatal(err)
	}
	if ext.Op != mls.OpExternalJoin || ext.Welcome != nil || ext.Epoch != m5.Epoch()-1 {
		t.Fatalf("external join pending: op %s epoch %d", ext.Op, ext.Epoch)
	}
	for name, m := range w.members {
		if err := m.Process(ext.Handshake); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	w.members["c5"] = m5
	w.check()

	// The hub removes c3; c1 commits the proposal.
	rm, err := hub.ProposeRemove(gid, m5.Epoch(), 0, w.members["c3"].Index())
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.members["c1"].CommitProposals([][]byte{rm})
	if err != nil {
		t.Fatal(err)
	}
	w.deliver("c1", p)
	if _, ok := w.members["c3"]; ok {
		t.Fatal("c3 not removed")
	}
	// The hub adds c6; c4 commits it and c6 joins from the Welcome.
	kp, err := clients["c6"].KeyPackage()
	if err != nil {
		t.Fatal(err)
	}
	add, err := hub.ProposeAdd(gid, m5.Epoch(), 0, kp)
	if err != nil {
		t.Fatal(err)
	}
	p, err = w.members["c4"].CommitProposals([][]byte{add})
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range w.members {
		if name != "c4" {
			if err := m.Process(p.Handshake); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	if err := w.members["c4"].Adopt(p); err != nil {
		t.Fatal(err)
	}
	if w.members["c6"], err = clients["c6"].Join(p.Welcome); err != nil {
		t.Fatal(err)
	}
	w.check()
	// A proposal signed by another hub is rejected.
	other, err := e.NewExternalSender("not the hub", []byte("seed"))
	if err != nil {
		t.Fatal(err)
	}
	bad, err := other.ProposeRemove(gid, w.members["c0"].Epoch(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.members["c0"].CommitProposals([][]byte{bad}); err == nil {
		t.Fatal("proposal of an unlisted external sender committed")
	}
}

// TestReInitPQ moves a four-client group from suite 1 to the post-quantum hybrid suite 0xF001
// through the optional Reinitializer and KeyPackageSuiter interfaces.
func TestReInitPQ(t *testing.T) {
	e, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]mls.Client{}
	for i := range 4 {
		name := fmt.Sprintf("c%d", i)
		if clients[name], err = e.NewClient(name, []byte("seed")); err != nil {
			t.Fatal(err)
		}
	}
	creator, err := clients["c0"].CreateGroup([]byte("classic"))
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, members: map[string]mls.Member{"c0": creator}}
	for i, m := range addAndJoin(t, creator, []mls.Client{clients["c1"], clients["c2"], clients["c3"]}) {
		w.members[fmt.Sprintf("c%d", i+1)] = m
	}
	w.check()

	const pq = 0xF001
	p, err := w.members["c2"].(mls.Reinitializer).CommitReInit([]byte("post-quantum"), pq)
	if err != nil {
		t.Fatal(err)
	}
	if p.Op != mls.OpReInit {
		t.Fatalf("op %s", p.Op)
	}
	for name, m := range w.members {
		if name != "c2" {
			if err := m.Process(p.Handshake); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	if err := w.members["c2"].Adopt(p); err != nil {
		t.Fatal(err)
	}
	if _, err := w.members["c1"].Protect([]byte("x")); err == nil {
		t.Fatal("a reinitialised group still sends")
	}
	var kps [][]byte
	for _, n := range []string{"c0", "c2", "c3"} {
		kp, err := clients[n].(mls.KeyPackageSuiter).KeyPackageFor(pq)
		if err != nil {
			t.Fatal(err)
		}
		kps = append(kps, kp)
	}
	nm, np, err := w.members["c1"].(mls.Reinitializer).Reinitialize(kps)
	if err != nil {
		t.Fatal(err)
	}
	if err := nm.Adopt(np); err != nil {
		t.Fatal(err)
	}
	v := &world{t: t, members: map[string]mls.Member{"c1": nm}}
	for _, n := range []string{"c0", "c2", "c3"} {
		if v.members[n], err = w.members[n].(mls.Reinitializer).JoinReInit(np.Welcome); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	v.check()
	if nm.Epoch() != 1 || nm.Size() != 4 {
		t.Fatalf("successor at epoch %d with %d members", nm.Epoch(), nm.Size())
	}
	up, err := v.members["c3"].Update()
	if err != nil {
		t.Fatal(err)
	}
	v.deliver("c3", up)
}
