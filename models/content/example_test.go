package content_test

import (
	"fmt"

	"github.com/mimisim/mimisim/models/content"
)

// An attachment: seal, store, reference in a mimiContent, and back.
func Example() {
	key, nonce := make([]byte, content.KeySize), make([]byte, content.NonceSize)
	ct, ref, _ := content.Seal([]byte("a voice message"), key, nonce, nil, "audio/ogg", "voice.ogg")
	store := content.NewStore("prov-a.example")
	ref.URL = store.Put(ct)
	msg, _ := content.Encode(ref, make([]byte, 16)) // the body of the MLS application message
	got, _, _ := content.Decode(msg)
	blob, _ := store.Get(got.URL)
	pt, err := content.Open(got, blob)
	fmt.Println(got.URL, len(ct), string(pt), err)
	// Output: https://prov-a.example/mimi/content/1 31 a voice message <nil>
}
