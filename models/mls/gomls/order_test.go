package gomls

import (
	"strings"
	"testing"
)

// TestOutOfOrderApplicationMessagesFail pins a go-mls limitation found by the lab: within one
// epoch, a receiver that has decrypted a sender's message of generation g+1 can no longer
// decrypt that sender's message of generation g (RFC 9420 §9.4 lets receivers keep such keys).
// The lab's transport delivers each connection in order and the hub fans out in its order, so
// this happens only if the hub sequences one sender's messages out of generation order. If a
// future go-mls fixes it, this test fails and the note in doc.go must go.
func TestOutOfOrderApplicationMessagesFail(t *testing.T) {
	e := New()
	ca, _ := e.NewClient("a", []byte("a"))
	cb, _ := e.NewClient("b", []byte("b"))
	a, err := ca.CreateGroup([]byte("g"))
	if err != nil {
		t.Fatal(err)
	}
	kp, _ := cb.KeyPackage()
	p, err := a.Add([][]byte{kp})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Adopt(p); err != nil {
		t.Fatal(err)
	}
	b, err := cb.Join(p.Welcome)
	if err != nil {
		t.Fatal(err)
	}
	m1, _ := a.Protect([]byte("one"))
	m2, _ := a.Protect([]byte("two"))
	if pt, err := b.Unprotect(m2); err != nil || string(pt) != "two" {
		t.Fatalf("the later message: %q, %v", pt, err)
	}
	_, err = b.Unprotect(m1)
	if err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Fatalf("the earlier message after the later one: %v; go-mls used to fail here", err)
	}
}
