package mimi_test

import (
	"fmt"

	"github.com/mimisim/mimisim/models/mimi"
)

// Every MIMI message travels as bytes: Encode gives the exact wire form whose size the network
// charges, Decode parses it back.
func Example() {
	req := &mimi.SubmitMessageRequest{ReqID: 1, Room: "room-1", Sender: "c000@prov-us", Epoch: 1,
		Message: make([]byte, 264)} // a go-mls PrivateMessage with a 100-byte payload
	b := mimi.Encode(req)
	fmt.Println("bytes on the wire:", len(b)+mimi.TransportOverhead)
	m, err := mimi.Decode(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.(*mimi.SubmitMessageRequest).Sender)
	fmt.Println(mimi.Domain("c000@prov-us"))
	// Output:
	// bytes on the wire: 384
	// c000@prov-us
	// prov-us
}
