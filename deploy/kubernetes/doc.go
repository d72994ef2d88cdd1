// Package kubernetes holds no code: its folder has the Kubernetes manifests and the Dockerfile
// that run a mimisim sweep as an Indexed Job of shards plus a merge Job (see README.md). Its
// test checks that the manifests decode and agree with each other and with mimisim's flags.
package kubernetes
