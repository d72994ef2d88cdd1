package world

import (
	"fmt"
	"slices"
	"testing"
)

// TestCheckRecipients compares checks.recipients with a lookup per name over a sequence of
// recipient lists like the hub's (the members without each sender), and lists that differ more:
// reordered, with strangers, shorter, empty.
func TestCheckRecipients(t *testing.T) {
	ch := &checks{byID: map[string]int32{}}
	var members []string
	for i := range 50 {
		id := fmt.Sprintf("c%03d@p", i)
		members = append(members, id)
		if i%7 != 3 { // some members are not room clients (call sessions, say)
			ch.byID[id] = int32(100 - i) // indices not in list order: the result must be sorted
		}
	}
	without := func(list []string, i int) []string {
		return append(slices.Clone(list[:i]), list[i+1:]...)
	}
	lists := [][]string{
		without(members, 0), without(members, 1), without(members, 49), without(members, 20),
		append(without(members, 20), "stranger@x"), slices.Concat([]string{"stranger@x"}, members),
		members[10:30], members, nil, without(members, 5),
	}
	rev := slices.Clone(members)
	slices.Reverse(rev)
	lists = append(lists, rev, without(members, 7))
	for k, names := range lists {
		var want []int32
		for _, id := range names {
			if i, ok := ch.byID[id]; ok {
				want = append(want, i)
			}
		}
		slices.Sort(want)
		got := slices.Clone(ch.recipients(names))
		if !slices.Equal(got, want) {
			t.Errorf("list %d: recipients = %v, want %v", k, got, want)
		}
	}
}
