package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/config"
	"github.com/aartha/ledger/pdf"
)

// EraseWithCertificate erases the loan (unless reason is empty: then it
// was erased earlier) and returns its erasure certificate, written as a PDF
// to pdfPath if given.
func EraseWithCertificate(ctx context.Context, svc *ledger.ErasureService, actor ledger.Actor, loanID, reason, pdfPath string) (*ledger.ErasureCertificate, error) {
	if reason != "" {
		if _, err := svc.Erase(ctx, actor, loanID, reason); err != nil {
			return nil, err
		}
	}
	// The command does not dial the chain, so the certificate names no
	// chain; the commitments and transactions identify the anchors.
	c, err := svc.Certificate(ctx, loanID, "")
	if err != nil {
		return nil, err
	}
	if pdfPath == "" {
		return c, nil
	}
	var buf bytes.Buffer
	if err := pdf.WriteErasure(&buf, c, svc.Now()); err != nil {
		return nil, err
	}
	if err := os.WriteFile(pdfPath, buf.Bytes(), 0o600); err != nil {
		return nil, fmt.Errorf("loan %s is erased, but its certificate could not be written (get it again with aartha erase --loan %s --certificate FILE.pdf): %w", loanID, loanID, err)
	}
	return c, nil
}

// EraseDue erases every loan whose retention period (AARTHA_RETENTION_DAYS
// after closing) has passed and that has no legal hold, as the retention
// job does, or with dryRun only lists them; it writes their ids and a
// summary to out.
func EraseDue(ctx context.Context, cfg *config.Config, out io.Writer, dryRun bool) error {
	if cfg.RetentionDays == 0 {
		return errors.New("retention is off: set AARTHA_RETENTION_DAYS to the days personal data is kept after a loan closes")
	}
	db, err := OpenCurrentStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &ledger.ErasureService{Store: db, Now: time.Now}
	due, done, err := svc.EraseDue(ctx, cfg.RetentionDays, 0, dryRun)
	for _, id := range due {
		fmt.Fprintln(out, id)
	}
	switch {
	case err != nil:
		return err
	case dryRun:
		fmt.Fprintf(out, "%d loans are due for erasure (closed more than %d days ago, no legal hold); nothing erased (dry run)\n", len(due), cfg.RetentionDays)
	default:
		fmt.Fprintf(out, "erased %d loans (closed more than %d days ago, no legal hold)\n", len(done), cfg.RetentionDays)
	}
	return nil
}
