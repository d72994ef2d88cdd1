package mimi

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
)

// The fuzz targets of this file cover every decoder of MIMI wire messages: Decode as a whole
// (FuzzDecode in codec_test.go), the body decoder of each message type (FuzzDecode<Type>, the
// event lists of notify and deliver included) and the interning decoder of Wire (FuzzWireDecode).
// Each has a seed corpus under testdata/fuzz/<target>/ with the valid encodings of its message
// types; go test -run TestFuzzCorpus -update-corpus rewrites them from sampleMessages.

var updateCorpus = flag.Bool("update-corpus", false, "rewrite the seed corpora under testdata/fuzz/ from sampleMessages")

// messageTypes are the types in wire order, each with a sample message of sampleMessages.
var messageTypes = []struct {
	typ    Type
	target string
}{
	{TypeKeyMaterialRequest, "FuzzDecodeKeyMaterialRequest"},
	{TypeKeyMaterialResponse, "FuzzDecodeKeyMaterialResponse"},
	{TypeUpdateRequest, "FuzzDecodeUpdateRequest"},
	{TypeUpdateResponse, "FuzzDecodeUpdateResponse"},
	{TypeSubmitMessageRequest, "FuzzDecodeSubmitMessageRequest"},
	{TypeSubmitMessageResponse, "FuzzDecodeSubmitMessageResponse"},
	{TypeNotifyRequest, "FuzzDecodeNotifyRequest"},
	{TypeNotifyResponse, "FuzzDecodeNotifyResponse"},
	{TypeDeliver, "FuzzDecodeDeliver"},
	{TypeProposeRequest, "FuzzDecodeProposeRequest"},
	{TypeRetryAfter, "FuzzDecodeRetryAfter"},
	{TypeDeliverAck, "FuzzDecodeDeliverAck"},
}

// checkDecoded is what every decoder must do with any input b: fail with an error wrapping
// ErrDecode, or return a message that encodes back to exactly b.
func checkDecoded(t *testing.T, b []byte, m any, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, ErrDecode) {
			t.Fatalf("error does not wrap ErrDecode: %v", err)
		}
		if m != nil {
			t.Fatalf("error %v with a message %#v", err, m)
		}
		return
	}
	if again := Encode(m); !bytes.Equal(again, b) {
		t.Fatalf("decode/encode is not the identity:\n in %x\nout %x", b, again)
	}
}

// fuzzType fuzzes the body of one message type: the bytes after the version and type bytes.
// Decode and DecodeInterned must agree, and a success must be a message of that type.
func fuzzType(f *testing.F, typ Type) {
	f.Fuzz(func(t *testing.T, body []byte) {
		b := append([]byte{WireVersion, byte(typ)}, body...)
		m, err := Decode(b)
		checkDecoded(t, b, m, err)
		var in Interner
		mi, erri := DecodeInterned(b, &in)
		if (err == nil) != (erri == nil) || !reflect.DeepEqual(m, mi) {
			t.Fatalf("Decode gives %#v, %v but DecodeInterned %#v, %v", m, err, mi, erri)
		}
		if err == nil {
			if got := Type(Encode(m)[1]); got != typ {
				t.Fatalf("a %v body decoded as a %v", typ, got)
			}
		}
	})
}

func FuzzDecodeKeyMaterialRequest(f *testing.F)    { fuzzType(f, TypeKeyMaterialRequest) }
func FuzzDecodeKeyMaterialResponse(f *testing.F)   { fuzzType(f, TypeKeyMaterialResponse) }
func FuzzDecodeUpdateRequest(f *testing.F)         { fuzzType(f, TypeUpdateRequest) }
func FuzzDecodeUpdateResponse(f *testing.F)        { fuzzType(f, TypeUpdateResponse) }
func FuzzDecodeSubmitMessageRequest(f *testing.F)  { fuzzType(f, TypeSubmitMessageRequest) }
func FuzzDecodeSubmitMessageResponse(f *testing.F) { fuzzType(f, TypeSubmitMessageResponse) }
func FuzzDecodeNotifyRequest(f *testing.F)         { fuzzType(f, TypeNotifyRequest) }
func FuzzDecodeNotifyResponse(f *testing.F)        { fuzzType(f, TypeNotifyResponse) }
func FuzzDecodeDeliver(f *testing.F)               { fuzzType(f, TypeDeliver) }
func FuzzDecodeProposeRequest(f *testing.F)        { fuzzType(f, TypeProposeRequest) }
func FuzzDecodeRetryAfter(f *testing.F)            { fuzzType(f, TypeRetryAfter) }
func FuzzDecodeDeliverAck(f *testing.F)            { fuzzType(f, TypeDeliverAck) }

// FuzzWireDecode decodes three messages (a, b, then a again) with one Wire, whose interning
// table carries over between them: each result must equal what Decode gives alone.
func FuzzWireDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var w Wire
		for i, x := range [][]byte{a, b, a} {
			m, err := w.Decode(x)
			checkDecoded(t, x, m, err)
			p, perr := Decode(x)
			if (err == nil) != (perr == nil) || !reflect.DeepEqual(m, p) {
				t.Fatalf("message %d: Wire.Decode gives %#v, %v but Decode %#v, %v", i, m, err, p, perr)
			}
		}
		var nilWire *Wire
		if m, err := nilWire.Decode(a); !reflect.DeepEqual(m, mustDecode(a)) || (err == nil) != (m != nil) {
			t.Fatalf("a nil Wire decodes %x as %#v, %v", a, m, err)
		}
	})
}

func mustDecode(b []byte) any {
	m, _ := Decode(b)
	return m
}

// seedCorpus returns the seed files of each fuzz target: name → file content, in the format
// of go test's corpus files ("go test fuzz v1" and one Go literal per argument).
func seedCorpus() map[string]map[string]string {
	file := func(args ...[]byte) string {
		s := "go test fuzz v1\n"
		for _, a := range args {
			s += "[]byte(" + strconv.Quote(string(a)) + ")\n"
		}
		return s
	}
	msgs := sampleMessages()
	for _, m := range msgs {
		if s, ok := m.(*SubmitMessageRequest); ok {
			// Printable and just long enough for a 4-byte length: a small file that still seeds
			// the longest length encoding.
			s.Message = bytes.Repeat([]byte("m"), 1<<14)
		}
	}
	out := map[string]map[string]string{"FuzzDecode": {}, "FuzzWireDecode": {}}
	for _, mt := range messageTypes {
		out[mt.target] = map[string]string{}
	}
	for i, m := range msgs {
		b := Encode(m)
		typ := Type(b[1])
		name := "valid-" + typ.String()
		for n := 2; out["FuzzDecode"][name] != ""; n++ { // a second sample of a type
			name = "valid-" + typ.String() + "-" + strconv.Itoa(n)
		}
		out["FuzzDecode"][name] = file(b)
		for _, mt := range messageTypes {
			if mt.typ == typ {
				out[mt.target][name] = file(b[2:])
			}
		}
		// Each message after the previous one, sharing names through the interning table.
		prev := Encode(msgs[(i+len(msgs)-1)%len(msgs)])
		out["FuzzWireDecode"][name] = file(b, prev)
	}
	return out
}

// Every fuzz target of the package has a seed corpus, and it holds exactly the current valid
// encoding of each message type (run with -update-corpus after a change of the wire format).
func TestFuzzCorpus(t *testing.T) {
	for target, files := range seedCorpus() {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateCorpus {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for name, content := range files {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v (go test -run TestFuzzCorpus -update-corpus writes it)", target, err)
				continue
			}
			if string(got) != content {
				t.Errorf("%s/%s is not the current encoding (go test -run TestFuzzCorpus -update-corpus rewrites it)", target, name)
			}
		}
	}
	// Every message type has its own target.
	for _, m := range sampleMessages() {
		typ := Type(Encode(m)[1])
		found := false
		for _, mt := range messageTypes {
			found = found || mt.typ == typ
		}
		if !found {
			t.Errorf("message type %v has no fuzz target", typ)
		}
	}
	if len(messageTypes) != int(TypeDeliverAck) {
		t.Errorf("%d fuzz targets for %d message types", len(messageTypes), TypeDeliverAck)
	}
}
