// Package bench holds the lab's benchmarks (in its tests; `make bench` runs them with sim's and
// network's own) and, in bench/calib, the measurement code they share with `mimisim calibrate`.
// Names follow BenchmarkX/param=value so that benchstat can compare runs:
//
//   - BenchmarkEventQueue/dist=…/pop=…: the hold model on the sim kernel (one Step per op),
//     events/s;
//   - BenchmarkNetworkSend/access=…/loss=…/size=…: one network Send and the events that deliver
//     it, events/s, events/msg and bytes/op (uplink bytes, retransmissions included);
//   - BenchmarkHubSubmit/members=…: the MIMI hub handling one submitMessage, with real encoding
//     and decoding, up to the encoded fan-out (followers are stand-ins), events/s, bytes/op and
//     msgs/op the hub sends;
//   - BenchmarkFanout/clients=10|100|1000: one message from a follower's client through the hub
//     and three real followers to every member, deliveries/s, events/s, bytes/op (whole network)
//     and ns/delivery;
//   - BenchmarkRun/scenario=default|room-128: a whole calibrated run (the embedded default, and
//     testdata/room-128.yaml: 128 members, 3 providers, 30 s), events/s, events/op, live-B/member
//     (heap in use after the run per simulated member) and alloc-B/member;
//   - BenchmarkGoMLS/op=…/members=…: every mls.Op of the gomls engine at group sizes 2 to 128,
//     with bytes/op the size of the message the op makes or reads. Its output is the input of
//     bench/cmd/costtable, which turns it into models/cost/tables/gomls.json; the command used
//     for the committed table is recorded in the table and in the models/cost documentation.
//
// The networks of the MIMI benchmarks have a constant 1 ms latency, no rate limit and no loss,
// so that they time the providers' work rather than queueing.
package bench
