// Package engines is the registry of the MLS engines the lab can run, by the names scenario
// files use.
package engines

import (
	"fmt"
	"strings"

	"github.com/mimisim/mimisim/models/mls"
	"github.com/mimisim/mimisim/models/mls/gomls"
	rfc9420 "github.com/mimisim/mimisim/models/mls/rfc9420/engine"
)

// all lists the engines in a fixed order.
var all = []func() mls.Engine{
	func() mls.Engine { return gomls.New() },
	func() mls.Engine {
		e, err := rfc9420.New(1) // ciphersuite 1: X25519, AES-128-GCM, SHA-256, Ed25519
		if err != nil {
			panic(err) // suite 1 is always built in
		}
		return e
	},
}

// Names returns the names of the registered engines.
func Names() []string {
	var out []string
	for _, f := range all {
		out = append(out, f().Name())
	}
	return out
}

// Lookup returns a new instance of the named engine.
func Lookup(name string) (mls.Engine, error) {
	for _, f := range all {
		if e := f(); e.Name() == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("unknown engine %q (allowed: %s)", name, strings.Join(Names(), ", "))
}

// Limits returns each engine's largest group in full fidelity, by name.
func Limits() map[string]int {
	out := make(map[string]int)
	for _, f := range all {
		e := f()
		out[e.Name()] = e.MaxMembers()
	}
	return out
}
