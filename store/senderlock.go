package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
	"syscall"

	ledger "github.com/aartha/ledger"
)

// LockSender makes this process the only one sending transactions for the
// signer (nonces are one sequence per key; docs/deployment.md). On PostgreSQL it takes
// a session advisory lock on a connection it keeps until release; on SQLite
// an exclusive lock on a file next to the database. If another process holds
// the lock it returns EUNAVAILABLE at once, without waiting. A crashed
// holder's lock goes with its connection or process.
func (db *DB) LockSender(ctx context.Context, signer string) (release func(), err error) {
	signer = strings.ToLower(signer)
	held := ledger.Errorf(ledger.EUNAVAILABLE, "another process is already sending transactions for signer %s", signer)
	if db.d.name == "sqlite" {
		path := db.where + ".sender-" + signer + ".lock"
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open sender lock file: %w", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			return nil, held
		}
		return func() { _ = f.Close() }, nil
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, db.wrap("lock sender", err)
	}
	// The lock is per schema as well as per signer: advisory locks are per
	// database already, and a schema is a deployment (test schemas in one
	// database each run their own chain and must not wait for each other).
	var schema string
	if err := conn.QueryRowContext(ctx, "SELECT coalesce(current_schema(), '')").Scan(&schema); err != nil {
		conn.Close()
		return nil, db.wrap("lock sender", err)
	}
	h := fnv.New64a()
	h.Write([]byte("aartha-sender:" + schema + ":" + signer))
	key := int64(h.Sum64())
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
		conn.Close()
		return nil, db.wrap("lock sender", err)
	}
	if !ok {
		conn.Close()
		return nil, held
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		_ = conn.Close()
	}, nil
}
