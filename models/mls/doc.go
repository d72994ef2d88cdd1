// Package mls defines the lab's view of an MLS engine: clients that publish KeyPackages, members
// of a group that commit, process commits, join from Welcomes and protect application messages.
//
// Every method runs the real protocol code of an engine (see the gomls subpackage for the
// cisco/go-mls adapter); nothing here models cost or time. Encoded messages travel as opaque
// byte slices so that the MIMI layer can carry them and the network can charge their real sizes.
//
// A commit is two-phase, as MIMI requires: Member.Add, Remove and Update build a Pending commit
// without changing the member; Member.Adopt moves the member to the new epoch once the hub has
// accepted the commit, and after a wrongEpoch the Pending is simply dropped. Engine limits surface as *LimitError values
// carrying the engine, the operation and the group size.
package mls
