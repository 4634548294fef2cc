package report_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/aartha/ledger/report"
	"github.com/aartha/ledger/store"
)

func benchLoans() int {
	if s := os.Getenv("AARTHA_BENCH_LOANS"); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return 100_000
}

// BenchmarkMonthlyReport builds and renders (JSON, CSV, HTML and PDF) the
// report of a month with AARTHA_BENCH_LOANS loans (default 100,000) created
// in it: 98 % approved, 10,000 of them repaid; approvals and repayments
// anchored, 98 % in batches of 1,000 and 2 % directly (with their
// transaction journal rows); two or three audit rows per loan, sealed, so
// that the audit chain check reads and hashes them all. The store is seeded with
// bulk inserts outside the timer.
func BenchmarkMonthlyReport(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			ctx := context.Background()
			db := openBench(b, backend)
			n := benchLoans()
			month := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			audit := seedMonth(b, db, month, n)
			// Seeded offline: seal everything now, without the grace period
			// that waits for open transactions.
			if _, err := store.NewAuditSealer(db, store.AuditSealerConfig{Grace: -1}).Seal(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				r, err := report.Build(ctx, db, report.Options{Month: month, FiatRate: mustRate(b, "3500.12"), FiatCurrency: "USD"})
				require.NoError(b, err)
				require.Equal(b, n, r.Loans.Created)
				require.True(b, r.Integrity.AuditChain.Holds)
				require.Equal(b, int64(audit), r.Integrity.AuditChain.Rows)
				for _, f := range report.Formats {
					require.NoError(b, r.Write(io.Discard, f))
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "loans/s")
		})
	}
}

func mustRate(b *testing.B, s string) *big.Rat {
	r, err := report.ParseRate(s)
	require.NoError(b, err)
	return r
}

func openBench(b *testing.B, backend string) *store.DB {
	ctx := context.Background()
	var db *store.DB
	var err error
	if backend == "sqlite" {
		db, err = store.OpenSQLite(ctx, filepath.Join(b.TempDir(), "aartha.db"))
	} else {
		base := os.Getenv("AARTHA_TEST_DATABASE_URL")
		if base == "" {
			base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
		}
		conn, cerr := pgx.Connect(ctx, base)
		if cerr != nil {
			b.Skipf("PostgreSQL not reachable: %v", cerr)
		}
		schema := fmt.Sprintf("reportbench_%d", time.Now().UnixNano())
		_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
		require.NoError(b, err)
		b.Cleanup(func() {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			_ = conn.Close(context.Background())
		})
		db, err = store.OpenPostgres(ctx, base+"&search_path="+schema)
	}
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(b, err)
	return db
}

// seedMonth inserts n loans created in the month and what anchoring them
// leaves behind, and returns the number of audit rows.
func seedMonth(b *testing.B, db *store.DB, month time.Time, n int) int {
	ctx := context.Background()
	pg := db.Driver() == "postgres"
	ts := func(t time.Time) any {
		if pg {
			return t
		}
		return t.UTC().Format("2006-01-02T15:04:05.000000Z")
	}
	rebind := func(q string) string {
		if !pg {
			return q
		}
		var sb strings.Builder
		k := 0
		for _, c := range q {
			if c == '?' {
				k++
				fmt.Fprintf(&sb, "$%d", k)
				continue
			}
			sb.WriteRune(c)
		}
		return sb.String()
	}
	hash := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
	span := month.AddDate(0, 1, 0).Sub(month) - 2*time.Hour
	at := func(i int) time.Time {
		return month.Add(time.Duration(int64(span) / int64(n) * int64(i))).Truncate(time.Microsecond)
	}

	override := "" // explicit ids in identity columns
	if pg {
		override = " OVERRIDING SYSTEM VALUE"
	}
	tx, err := db.SQLDB().BeginTx(ctx, nil)
	require.NoError(b, err)
	prep := func(q string) *sql.Stmt {
		s, err := tx.PrepareContext(ctx, rebind(q))
		require.NoError(b, err)
		return s
	}
	insLoan := prep(`INSERT INTO loans (id, borrower, lender, principal, currency, interest_rate_bps, term_months, status,
		created_at, updated_at, approved_at, closed_at, repaid_at, amount_repaid, blockchain_status, repayment_blockchain_status)
		VALUES (?, ?, 'bank-1', ?, 'INR', 1200, 12, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insBatch := prep(`INSERT INTO batches (id, root, leaf_count, status, seq, tx_hash, block_number, block_hash, log_index,
		gas_used, gas_price_wei, created_at, updated_at, final_at)` + override + ` VALUES (?, ?, ?, 'final', ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)`)
	insAnchor := prep(`INSERT INTO anchors (id, loan_id, kind, mode, loan_key, commitment, leaf, status, batch_id, proof,
		tx_hash, block_number, block_hash, log_index, created_at, updated_at, final_at)` + override + `
		VALUES (?, ?, ?, ?, ?, ?, ?, 'final', ?, ?, ?, ?, ?, 0, ?, ?, ?)`)
	insSend := prep(`INSERT INTO tx_sends (key, from_addr, to_addr, data, gas_limit, nonce, phase, inc_tx_hash, inc_block_number,
		inc_block_hash, inc_gas_used, inc_gas_price, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, 'final', ?, ?, ?, ?, ?, ?, ?)`)
	insAudit := prep(`INSERT INTO audit_log (at, actor_id, actor_role, actor_addr, action, entity, entity_id, before, after, chain)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	from, to := make([]byte, 20), make([]byte, 20)
	to[19] = 1
	audits, anchorID, batchID, nonce := 0, 0, 0, 0
	batchFill := 0
	audit := func(t time.Time, action, entity, id, after string, chain any) {
		_, err := insAudit.ExecContext(ctx, ts(t), "ops@aartha.example", "operator", "203.0.113.7", action, entity, id, nil, after, chain)
		require.NoError(b, err)
		audits++
	}
	anchor := func(loan string, kind int, t time.Time) {
		anchorID++
		final := t.Add(time.Minute)
		key := hash(loan)
		if anchorID%50 == 0 { // direct: one transaction each, in the journal
			txh := hash("tx" + strconv.Itoa(anchorID))
			nonce++
			_, err := insSend.ExecContext(ctx, "anchor:"+strconv.Itoa(anchorID), from, to, []byte{1}, nonce, txh, 1000+nonce, hash("block"), 96649, strconv.Itoa(20e9+anchorID), ts(t), ts(final))
			require.NoError(b, err)
			_, err = insAnchor.ExecContext(ctx, anchorID, loan, kind, "direct", key, hash("c"+loan), hash("l"+loan), nil, nil, txh, 1000+nonce, hash("block"), ts(t), ts(final), ts(final))
			require.NoError(b, err)
			return
		}
		if batchFill == 0 {
			batchID++
			_, err := insBatch.ExecContext(ctx, batchID, hash("root"+strconv.Itoa(batchID)), 1000, batchID, hash("btx"+strconv.Itoa(batchID)),
				500000+batchID, hash("bblock"+strconv.Itoa(batchID)), 77676, strconv.Itoa(25e9+batchID), ts(t), ts(final), ts(final))
			require.NoError(b, err)
			audit(final, "batch.final", "batch", strconv.Itoa(batchID), `{"batch_status":"final","leaf_count":1000}`,
				fmt.Sprintf(`{"network":"eip155:1337","gas_used":77676,"gas_price_wei":"%d"}`, 25e9+batchID))
		}
		batchFill = (batchFill + 1) % 1000
		_, err := insAnchor.ExecContext(ctx, anchorID, loan, kind, "batch", key, hash("c"+loan), hash("l"+loan), batchID, make([]byte, 320),
			hash("btx"+strconv.Itoa(batchID)), 500000+batchID, hash("bblock"+strconv.Itoa(batchID)), ts(t), ts(final), ts(final))
		require.NoError(b, err)
	}
	for i := range n {
		id := fmt.Sprintf("M-%07d", i)
		created := at(i)
		approved := created.Add(30 * time.Minute)
		status, approvedAt, closedAt, repaidAt, repaid := "approved", any(ts(approved)), any(nil), any(nil), 0
		switch {
		case i%50 == 0:
			status, approvedAt, closedAt = "rejected", nil, ts(approved)
		case i%10 == 1:
			status, closedAt, repaidAt, repaid = "repaid", ts(approved.Add(time.Hour)), ts(approved.Add(time.Hour)), 110000
		}
		_, err := insLoan.ExecContext(ctx, id, "cust-"+id, 100000+i, status, ts(created), ts(approved), approvedAt, closedAt, repaidAt, repaid, "confirmed", "not_stored")
		require.NoError(b, err)
		audit(created, "loan.create", "loan", id, `{"status":"submitted"}`, nil)
		if i%20000 == 1 {
			audit(created, "user.create", "user", fmt.Sprintf("op%d@aartha.example", i), `{"role":"operator"}`, nil)
		}
		if status == "rejected" {
			audit(approved, "loan.reject", "loan", id, `{"status":"rejected","reason":"income"}`, nil)
			continue
		}
		audit(approved, "loan.approve", "loan", id, `{"status":"approved"}`, nil)
		anchor(id, 1, approved)
		if status == "repaid" {
			audit(approved.Add(time.Hour), "loan.mark_repaid", "loan", id, `{"status":"repaid"}`, nil)
			anchor(id, 2, approved.Add(time.Hour))
		}
	}
	require.NoError(b, tx.Commit())
	if pg {
		// Settled long ago, so the sealer takes every row at once.
		_, err := db.SQLDB().ExecContext(ctx, "UPDATE audit_log SET inserted_at = now() - interval '1 hour'")
		require.NoError(b, err)
		_, err = db.SQLDB().ExecContext(ctx, "ANALYZE")
		require.NoError(b, err)
	}
	return audits
}
