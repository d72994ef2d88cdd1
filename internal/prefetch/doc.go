// Package prefetch asks the processor to bring a memory line into its caches ahead of use.
//
// The simulation kernel handles one event at a time, and in a large run each event's data
// (an in-flight message, its receiver's node, a packet) is out of the cache: the handler then
// waits for memory at each pointer it follows. Knowing the next events in the queue, the
// kernel's lookahead (sim.Kernel.SetLookahead) can ask for their lines while the current
// event is handled. A prefetch is only a hint: it changes no value, so results cannot depend
// on it, and on architectures without an implementation here Line does nothing.
package prefetch
