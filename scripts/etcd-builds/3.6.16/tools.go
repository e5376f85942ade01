//go:build tools

// Package etcdbuild pins etcd 3.6.16's binaries (built by scripts/build-etcd.sh); never compiled itself.
package etcdbuild

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
)
