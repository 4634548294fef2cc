package ui

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	ledger "github.com/aartha/ledger"
	"github.com/aartha/ledger/pdf"
)

// BlockTimer is a Chain that can say when a block was made, for the
// certificate's block time. Optional: without it the time is left out.
type BlockTimer interface {
	BlockTime(ctx context.Context, number uint64) (time.Time, error)
}

// certificate downloads a record's receipt as a printable PDF certificate
// (package pdf): the terms, where and when they were anchored, a QR code
// opening the public verify page with the receipt, and the receipt itself.
func (u *UI) certificate(w http.ResponseWriter, r *http.Request, rc *ledger.Receipt, kind ledger.Kind) error {
	c := pdf.Certificate{Receipt: rc, VerifyURL: u.cfg.PublicURL + VerifyPath, ExplorerURL: u.cfg.ExplorerURL, Issued: u.cfg.Now()}
	if bt, ok := u.cfg.Chain.(BlockTimer); ok {
		if t, err := bt.BlockTime(r.Context(), rc.BlockNumber); err == nil {
			c.BlockTime = t
		} else {
			u.cfg.Log.Warn("ui: block time for the certificate", "block", rc.BlockNumber, "err", err)
		}
	}
	var buf bytes.Buffer
	if err := pdf.Write(&buf, c); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="certificate-%s-%s.pdf"`, rc.LoanID, kind))
	_, _ = w.Write(buf.Bytes())
	return nil
}
