package sim_test

import (
	"fmt"
	"time"

	"github.com/mimisim/mimisim/sim"
)

type pinger struct{ left int }

func (p *pinger) Handle(k *sim.Kernel, ev sim.Event) {
	fmt.Println(k.Now(), "ping", ev.Kind)
	if p.left--; p.left > 0 {
		k.After(250*time.Millisecond, p, ev.Kind+1, nil)
	}
}

func Example() {
	k := sim.New(1)
	k.Schedule(0, &pinger{left: 3}, 1, nil)
	k.RunAll()
	fmt.Println("events:", k.Handled())
	// Output:
	// 0.000000000s ping 1
	// 0.250000000s ping 2
	// 0.500000000s ping 3
	// events: 3
}
